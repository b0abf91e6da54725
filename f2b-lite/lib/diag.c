/* diag: an append-only list of located messages. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmalloc.h"

struct diag_msg {
	enum diag_level	 level;
	char		*text;
};

struct diag {
	struct diag_msg	*msg;
	size_t		 n;
	size_t		 cap;
	size_t		 nerrors;
};

struct diag *
diag_new(void)
{
	return xcalloc(1, sizeof(struct diag));
}

void
diag_free(struct diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->msg[i].text);
	free(d->msg);
	free(d);
}

void
diag_add(struct diag *d, enum diag_level level, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, level, file, line, fmt, ap);
	va_end(ap);
}

void
diag_vadd(struct diag *d, enum diag_level level, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	char *msg;
	size_t i;

	if (file && line > 0)
		strbuf_addf(&sb, "%s:%d: ", file, line);
	else if (file)
		strbuf_addf(&sb, "%s: ", file);
	if (level == DIAG_WARNING)
		strbuf_adds(&sb, "warning: ");
	msg = xvasprintf(fmt, ap);
	strbuf_adds(&sb, msg);
	free(msg);
	for (i = 0; i < d->n; i++) {
		if (d->msg[i].level == level && strcmp(d->msg[i].text, sb.s) == 0) {
			strbuf_free(&sb);
			return;
		}
	}
	d->msg = xgrow(d->msg, &d->cap, d->n + 1, sizeof(*d->msg));
	d->msg[d->n].level = level;
	d->msg[d->n].text = strbuf_detach(&sb);
	d->n++;
	if (level == DIAG_ERROR)
		d->nerrors++;
}

size_t
diag_count(const struct diag *d)
{
	return d->n;
}

size_t
diag_nerrors(const struct diag *d)
{
	return d->nerrors;
}

const char *
diag_text(const struct diag *d, size_t i)
{
	return i < d->n ? d->msg[i].text : NULL;
}

enum diag_level
diag_level(const struct diag *d, size_t i)
{
	return d->msg[i].level;
}
