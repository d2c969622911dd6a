"""The measuresearch command: thin argparse subcommands over the library."""

import argparse
import contextlib
import json
import pathlib
import sys

from measuresearch import config as configuration
from measuresearch.cli import curator as curator_cli
from measuresearch.domain.fields import SHEET_COLUMNS, STRING_FACETS
from measuresearch.errors import InputProblems, InvalidParameter, MeasureSearchError

BOLD, RESET = "\033[1m", "\033[0m"
DEFAULT_QUERIES = pathlib.Path(__file__).resolve().parents[1] / "search" / "judged_queries.yaml"


def _parser(cfg):
    parser = argparse.ArgumentParser(prog="measuresearch", description="Search the DTI database of digital-trade measures.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("import", help="turn DTI pages or sheets into corpus YAML, keeping every measure's id",
                       description="Import text copied from the DTI 'Browse Database' page, or .xlsx/.csv sheets "
                                   f"(columns {', '.join(SHEET_COLUMNS.values())}; "
                                   "several titles or dates in one cell, one a line), into one YAML file per "
                                   "economy. Measures already in the corpus keep their id and are updated in place; "
                                   "all files are written or none.")
    p.add_argument("files", nargs="+", metavar="FILE", help="a text file copied from the DTI page, or a .xlsx/.csv sheet")
    p.add_argument("--out", default=cfg.corpus, help=f"corpus folder to write (default: {cfg.corpus})")
    p.add_argument("--dry-run", action="store_true", help="print what would change (field, old and new text); write nothing")
    p.add_argument("--prune", action="store_true",
                   help="remove measures the pages no longer list, leaving a tombstone (their links answer 410)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help=f"read FIELD ({', '.join(SHEET_COLUMNS)}) "
                        "from sheet column COLUMN (repeatable)")
    p.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                   help="how long to wait for another import into the same folder (default 60)")
    p.add_argument("--economy", metavar="NAME",
                   help="the economy of a page's entries that no economy line (e.g. KAZAKHSTAN) precedes")

    p = sub.add_parser("check", help="validate the corpus", description="Validate the corpus; exit 1 with file:line messages.")
    p.add_argument("--corpus", default=cfg.corpus, help=f"corpus folder (default: {cfg.corpus})")

    p = sub.add_parser("index", help="rebuild the index from the corpus",
                       description="Validate the corpus, build a new index and swap it in atomically.")
    p.add_argument("--corpus", default=cfg.corpus, help=f"corpus folder (default: {cfg.corpus})")
    p.add_argument("--index", default=cfg.index, help=f"index folder (default: {cfg.index})")
    p.add_argument("--if-needed", action="store_true",
                   help="build only when there is no usable index (none yet, or built by another version)")

    p = sub.add_parser("search", help="search from the terminal", description="Search the index and print ranked hits.")
    p.add_argument("query", nargs="?", default="", metavar="QUERY", help="query text (empty: every measure)")
    for name in STRING_FACETS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, action="append", default=[], metavar=name.upper(),
                       help=f"keep only this {name.replace('_', '-')} (repeatable)")
    p.add_argument("--year-from", type=int, help="first year, inclusive")
    p.add_argument("--year-to", type=int, help="last year, inclusive")
    p.add_argument("--event", action="append", default=[], choices=("in_force", "amended", "reported"),
                   help="kind of date event the year range looks at (repeatable; default: every kind)")
    p.add_argument("--in-force-on", metavar="DATE", help="YYYY, YYYY-MM or YYYY-MM-DD: measures in force that day")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), help="order of the hits")
    p.add_argument("--page", type=int, default=1, help="page number (default 1)")
    p.add_argument("--per-page", type=int, default=10, help="hits per page (default 10)")
    p.add_argument("--json", action="store_true", help="print the API's JSON instead")
    p.add_argument("--index", default=cfg.index, help=f"index folder (default: {cfg.index})")

    p = sub.add_parser("serve", help="serve the web page and the JSON API",
                       description="Serve the web page and the JSON API with waitress.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=curator_cli.whole_number(0, 65535), default=8080, help="port (default 8080)")
    p.add_argument("--index", default=cfg.index, help=f"index folder (default: {cfg.index})")
    p.add_argument("--threads", type=curator_cli.whole_number(1, 256), default=8, help="worker threads (default 8)")
    p.add_argument("--base-url", default=None,
                   help="public address behind a proxy, for absolute URLs in CSV, Atom and citations; with a "
                        "path (https://example.org/dti) the service answers under that path and every link it "
                        "gives starts with it (default: MEASURESEARCH_BASE_URL, else the address each request "
                        "came to)")
    p.add_argument("--quiet", action="store_true",
                   help="no access log (otherwise one line per request on standard output)")
    curator_cli.add_parsers(sub, cfg)

    p = sub.add_parser("evaluate", help="judge the ranking on the judged queries",
                       description="Print success@1, success@3 and MRR over the judged queries, and every query "
                                   "whose expected measure is not first.")
    p.add_argument("--queries", default=DEFAULT_QUERIES, help=f"judged query file (default: {DEFAULT_QUERIES})")
    p.add_argument("--index", default=cfg.index, help=f"index folder (default: {cfg.index})")
    return parser


def _progress_bar(**options):
    """Return a tqdm progress bar on stderr when it is a terminal, else a context that gives None (no progress
    then: tqdm is not even imported, a twentieth of a second of an `index` run by a script)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from tqdm import tqdm
    return tqdm(file=sys.stderr, **options)


def cmd_import(args):
    from measuresearch.corpus.importer import import_files
    from measuresearch.corpus.sources.sheets import parse_mapping
    try:
        mapping = parse_mapping(args.map)
    except ValueError as exc:  # said as every refusal is (main): "measuresearch: ...", exit 2
        raise InvalidParameter(f"import --map: {exc}") from None
    pages = sum(1 for f in args.files if not f.lower().endswith((".csv", ".xlsx")))
    # a progress bar on a terminal only: pages read, and sheet rows in thousands
    with _progress_bar(desc="importing", total=pages or None, unit=" pages/1k rows") as bar:
        report = import_files(args.files, args.out, dry_run=args.dry_run, prune=args.prune, mapping=mapping,
                              progress=None if bar is None else lambda n: bar.update(1 if n == 1 else n // 1000),
                              wait=args.wait,
                              waiting=lambda: print(f"waiting for another import into {args.out} to finish ...",
                                                    file=sys.stderr), economy=args.economy)
    for line in report.lines(details=args.dry_run):
        print(line)
    return 0


def _serves(index):
    """Return whether `serve` would answer from the live build: this version's, its files as written, and
    open (what `index --if-needed` and so `make serve` ask before they build)."""
    from measuresearch.index.engine import IndexHolder
    from measuresearch.index.format.layout import usable
    if not usable(index):
        return False
    holder = IndexHolder(index)
    try:
        with holder.using():
            return True
    except MeasureSearchError:
        return False
    finally:
        holder.close()


def _finish_import(corpus_dir):
    """Finish the renames of an import killed between them, saying so, before the corpus is read."""
    from measuresearch.corpus import transaction
    if transaction.finish(corpus_dir):
        print(f"finished the renames of an interrupted import into {corpus_dir}", file=sys.stderr)


def cmd_check(args):
    from measuresearch.domain import groups
    _finish_import(args.corpus)
    from measuresearch.corpus.files import check
    from measuresearch.errors import InputProblems
    measures, problems = check(args.corpus)
    try:
        groups.load(args.corpus)
    except InputProblems as exc:
        problems = [*problems, *exc.problems]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {args.corpus}", file=sys.stderr)
        return 1
    print(f"{len(measures)} measures in {args.corpus}: OK")
    return 0


def cmd_index(args):
    from measuresearch.index.build.indexer import build
    if args.if_needed and _serves(args.index):
        print(f"{args.index} is up to date enough to serve; `make index` rebuilds it")
        return 0
    _finish_import(args.corpus)
    # a progress bar on a terminal only; logs and pipes get the summary line
    # progress counts bytes of corpus files read, checked and written
    with _progress_bar(desc="indexing", unit="B", unit_scale=True, unit_divisor=1024) as bar:
        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)
        report = build(args.corpus, args.index, progress=None if bar is None else progress)
    print(report.line())
    return 0


def cmd_search(args):
    from measuresearch.index.engine import IndexHolder
    from measuresearch.search.service import SearchRequest, search
    from measuresearch.web.http.urls import linked_result
    filters = {n: tuple(getattr(args, n)) for n in STRING_FACETS if getattr(args, n)}
    request = SearchRequest(q=args.query, filters=filters, year_from=args.year_from, year_to=args.year_to,
                            event=tuple(args.event), in_force_on=args.in_force_on, sort=args.sort, page=args.page, per_page=args.per_page)
    holder = IndexHolder(args.index)
    try:
        result = linked_result(search(holder, request))
    finally:
        holder.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from measuresearch.cli.terminal import print_result
        print_result(result, sys.stdout, bold=sys.stdout.isatty())
    return 0


def cmd_serve(args):
    from measuresearch.config import checked_base_url
    from measuresearch.web.server import serve
    serve(args.index, args.host, args.port, threads=args.threads, quiet=args.quiet,
          base_url=checked_base_url(args.base_url) if args.base_url else None)
    return 0


def cmd_evaluate(args):
    from measuresearch.index.engine import IndexHolder
    from measuresearch.search.evaluate import judge, load_queries, report
    from measuresearch.storage import YAMLError
    try:
        queries = load_queries(args.queries)
    except OSError as exc:
        raise InvalidParameter(f"cannot read {args.queries}: {exc.strerror}") from None
    except (YAMLError, KeyError, TypeError, ValueError) as exc:  # ValueError: not UTF-8
        raise InvalidParameter(f"{args.queries} is not a judged query file ({exc})") from None
    holder = IndexHolder(args.index)
    try:
        judgements = judge(holder, queries)
    finally:
        holder.close()
    for line in report(judgements):
        print(line)
    return 0


COMMANDS = {"import": cmd_import, "check": cmd_check, "index": cmd_index, "search": cmd_search, "serve": cmd_serve,
            "evaluate": cmd_evaluate}


def main(argv=None):
    """Run the command line; return the exit status."""
    try:
        cfg = configuration.from_environment()
    except MeasureSearchError as exc:  # a bad MEASURESEARCH_* variable
        print(f"measuresearch: {exc.message}", file=sys.stderr)
        return 2
    args = _parser(cfg).parse_args(argv)
    try:
        return {**COMMANDS, **curator_cli.COMMANDS}[args.command](args)
    except InputProblems as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was changed", file=sys.stderr)
        return 1
    except MeasureSearchError as exc:
        print(f"measuresearch: {exc.message}", file=sys.stderr)
        return 2 if exc.status < 500 else 3
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # a path that is a file, a folder, too long, not allowed...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"measuresearch: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
