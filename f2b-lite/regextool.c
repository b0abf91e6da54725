/* regextool: fail2ban-regex's command line. */
#include "regextool.h"

#include <stdio.h>
#include <string.h>

int
regextool_main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("1.0.2\n");
		return 0;
	}
	fprintf(stderr, "%s: the filter engine is not implemented yet\n", argv[0]);
	return 255;
}
