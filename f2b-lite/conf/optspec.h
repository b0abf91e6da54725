/*
 * optspec: the "name[key=value, key2="a,b"][key3=...]" syntax fail2ban uses
 * for filter, action, backend and logtarget values (helpers.py
 * extractOptions, splitWithOptions, splitwords), with fail2ban's exact
 * acceptance rules and error texts.
 */
#ifndef F2B_OPTSPEC_H
#define F2B_OPTSPEC_H

#include <stddef.h>

struct dict;

/*
 * Splits spec into a name (heap, *name) and its options (a new dict of heap
 * strings in *opts).  Returns 0, or -1 with fail2ban's message (heap) in
 * *err.
 */
int	 optspec_parse(const char *spec, char **name, struct dict **opts,
	    char **err);
/*
 * Splits a value holding several specs (separated by whitespace or new
 * lines, brackets may span lines).  Returns the number of items; *items is a
 * heap array of heap strings.
 */
size_t	 optspec_split(const char *value, char ***items);
/* Splits on commas, spaces and new lines, dropping empty words. */
size_t	 optspec_words(const char *value, char ***items);
void	 optspec_free_items(char **items, size_t n);

#endif
