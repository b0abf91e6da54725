/* ticket: FailTicket / BanTicket data. */
#include "ticket.h"

#include <stdlib.h>

#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

struct ticket *
ticket_new(const struct addr *id, double time, struct pyval *data)
{
	struct ticket *t = xcalloc(1, sizeof(*t));

	addr_copy(&t->id, id);
	t->time = t->firsttime = time;
	t->data = data ? data : pyval_dict();
	t->bantime = TICKET_BANTIME_UNSET;
	return t;
}

struct ticket *
ticket_copy(const struct ticket *o)
{
	struct ticket *t = xmalloc(sizeof(*t));

	*t = *o;
	addr_copy(&t->id, &o->id);
	t->data = pyval_copy(o->data);
	return t;
}

void
ticket_free(struct ticket *t)
{
	if (t == NULL)
		return;
	addr_clear(&t->id);
	pyval_free(t->data);
	free(t);
}

struct pyval *
ticket_matches(struct ticket *t)
{
	struct pyval *m = pyval_dict_get(t->data, "matches");

	if (m == NULL || pyval_type(m) != PY_LIST) {
		m = pyval_list();
		pyval_dict_set(t->data, pyval_str("matches"), m);
	}
	return m;
}

void
ticket_matches_text(const struct ticket *t, struct strbuf *out)
{
	struct pyval *m = pyval_dict_get(t->data, "matches");
	size_t i, k;

	if (m == NULL)
		return;
	for (i = 0; i < pyval_len(m); i++) {
		struct pyval *line = pyval_at(m, i);

		if (i)
			strbuf_addc(out, '\n');
		if (pyval_type(line) == PY_STR)
			strbuf_add(out, pyval_as_str(line), pyval_strlen(line));
		else
			for (k = 0; k < pyval_len(line); k++)
				pyval_to_text(pyval_at(line, k), out);
	}
}

void
ticket_ip_text(const struct ticket *t, struct strbuf *out)
{
	struct pyval *ip = pyval_dict_get(t->data, "ip");
	char buf[ADDR_STRLEN];

	if (ip && pyval_type(ip) != PY_NONE)
		pyval_to_text(ip, out);
	else
		strbuf_adds(out, addr_str(&t->id, buf, sizeof(buf)));
}

double
ticket_ban_end(const struct ticket *t, long long jail_bantime)
{
	long long bt = t->bantime != TICKET_BANTIME_UNSET ? t->bantime : jail_bantime;

	return bt == -1 ? -1 : t->time + (double)bt;
}
