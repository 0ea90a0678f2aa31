"""`list`: applications as a paged table, filtered by status, cut-off, country, topic or text.

Sorted by cut-off date, then reference. A page costs one statement whatever the size of the
store (storage.application_pages): the matching applications counted up to a cap (a few
pages ahead of the one shown, so the count stops early instead of reading 100,000 rows), and
the page itself, read along a composite index. Totals are exact below the cap (always, for a
programme of this size); past it the pager says "at least".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from handlers.cases.intake_fields import FieldProblem, check_topic
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import READERS, Commands
from handlers.core.types import Card, Outcome, Pager, Table
from handlers.cutoffs.calendar import resolve_cutoff
from storage.application_pages import Filter, page_of_applications
from storage.regions import EU_MEMBER_CODES, nuts_country
from storage.status import STATUSES
from storage.text import fold

commands = Commands()

USAGE = "list [status:S] [cutoff:DATE|next|current] [country:CC] [topic:T] [q:TEXT] [page:N]"
FILTERS = frozenset({"status", "cutoff", "country", "topic", "q", "page"})
# counting stops this many pages past the page shown: exact totals for any real cut-off,
# and a bounded cost at 100,000 applications
LOOKAHEAD_PAGES = 5
REGION_NAME_SHOWN = 40
# longer than any organisation, region or phrase worth searching for
Q_LIMIT = 200


@dataclass
class Query:
    where: Filter = field(default_factory=Filter)
    words: list[str] = field(default_factory=list)  # the filters, as a command again
    # `cutoff:next` before the calendar created that cut-off: nothing can match
    nothing: bool = False
    page: int = 1


def read_filters(ctx: Context, args: Args) -> Query:
    args.expect(options=FILTERS, max_positional=0)
    query = Query()
    opts = args.options
    if "status" in opts:
        wanted = [s.strip().lower() for s in opts["status"].split(",") if s.strip()]
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown or not wanted:
            raise CommandError(f"unknown status `{opts['status']}`; use one of "
                               f"{', '.join(STATUSES)} (several with commas)")
        query.where = replace(query.where, statuses=tuple(wanted))
        query.words.append(f"status:{','.join(wanted)}")
    if "cutoff" in opts:
        cutoff = resolve_cutoff(ctx.session, opts["cutoff"], ctx.now)
        if cutoff is None:
            query.nothing = True
        else:
            query.where = replace(query.where, cutoff_id=cutoff.id)
        query.words.append(f"cutoff:{opts['cutoff'].strip().lower()}")
    if "country" in opts:
        code = nuts_country(opts["country"].strip())
        if code not in EU_MEMBER_CODES:
            raise CommandError(f"unknown country `{opts['country']}`; use an EU code: "
                               f"{', '.join(sorted(EU_MEMBER_CODES))} (GR is taken for EL)")
        query.where = replace(query.where, country=code)
        query.words.append(f"country:{code}")
    if "topic" in opts:
        try:
            topic = check_topic(opts["topic"])
        except FieldProblem as problem:
            raise CommandError(str(problem)) from None
        query.where = replace(query.where, topic=topic)
        query.words.append(f"topic:{topic}")
    if "q" in opts:
        if len(opts["q"]) > Q_LIMIT:
            raise CommandError(f"`q:` searches for at most {Q_LIMIT} characters "
                               f"({len(opts['q']):,} given); search for a shorter phrase")
        needle = fold(opts["q"])
        if not needle:
            raise CommandError("`q:` needs letters or digits to search for")
        query.where = replace(query.where, text=needle)
        query.words.append(f'q:"{needle}"')
    if "page" in opts:
        page = opts["page"].strip()
        if not page.isdigit() or int(page) < 1:
            raise CommandError(f"`page:{page}` must be a page number: 1, 2, 3...")
        query.page = int(page)
    return query


@commands.command("list", usage=USAGE, roles=READERS,
                  summary="applications as a table; filters narrow it, page:N pages it")
def list_applications(ctx: Context, args: Args) -> Outcome:
    query = read_filters(ctx, args)
    size = ctx.config.page_size
    offset = (query.page - 1) * size
    cap = offset + size * LOOKAHEAD_PAGES + 1
    rows, total = ((), 0) if query.nothing else \
        page_of_applications(ctx.session, query.where, offset, size, cap)
    at_least = total >= cap
    shown = " ".join(query.words)
    if total == 0 or offset >= total:
        what = f" for {shown}" if shown else ""
        text = (f"No applications{what}." if total == 0
                else f"There is no page {query.page}: the last page is {-(-total // size)}.")
        return Outcome(Card(title="Applications", text=(text,)))
    table = Table(
        ("Ref", "Region", "Country", "Topic", "Status", "Cut-off"),
        tuple((r.ref, f"{r.region_code} {r.region_name[:REGION_NAME_SHOWN]}", r.country_code,
               r.topic, r.status, r.cutoff_date.isoformat()) for r in rows),
    )
    pages = -(-total // size)
    command = "list " + (shown + " " if shown else "")
    pager = Pager(
        page=query.page, pages=pages, total=total, at_least=at_least,
        previous_command=f"{command}page:{query.page - 1}" if query.page > 1 else None,
        next_command=f"{command}page:{query.page + 1}" if offset + size < total else None,
    )
    count_text = f"{total}+" if at_least else str(total)
    context = (f"{count_text} match{'' if total == 1 else 'es'}"
               f"{' ' + shown if shown else ''}. `show REF` opens a case.",)
    return Outcome(Card(title="Applications", table=table, pager=pager, context=context))
