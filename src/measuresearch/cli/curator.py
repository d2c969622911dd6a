"""The curator's commands: `reports`, `proposals` and `backup`, over store.py and curation.py."""

import argparse
import json
import sys
import time


def whole_number(low, high):
    """Return an argparse type: a whole number from low to high, else a usage error that says so."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value
    parse.__name__ = "whole number"
    return parse


ROW_ID = whole_number(1, 2 ** 63 - 1)  # an SQLite (and PostgreSQL bigint) row id


def add_parsers(sub, cfg):
    """Add the curator's subcommands to the measuresearch parser."""
    data_help = f"folder of measuresearch.sqlite3 (default: {cfg.data}; unused with MEASURESEARCH_DATABASE_URL)"
    p = sub.add_parser("reports", help="list the reports readers sent; close one",
                       description="List reports (newest first), or `reports close ID` once a report is dealt with.")
    p.add_argument("--status", choices=("open", "closed"), help="only reports of this status")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p.add_argument("--data", default=cfg.data, help=data_help)
    p.add_argument("--index", default=cfg.index, help=f"index whose titles name the measures (default: {cfg.index})")
    p.set_defaults(database_url=cfg.database_url)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    close = actions.add_parser("close", help="mark a report closed", description="Mark a report closed.")
    close.add_argument("id", type=ROW_ID, metavar="ID", help="the report's number")

    p = sub.add_parser("proposals", help="list proposed measures; accept or reject one",
                       description="List proposals (newest first); `accept ID` writes one into the corpus "
                                   "(run `make index` after), `reject ID` refuses it.")
    p.add_argument("--status", choices=("open", "accepted", "rejected"), help="only proposals of this status")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p.add_argument("--data", default=cfg.data, help=data_help)
    p.add_argument("--corpus", default=cfg.corpus,
                   help=f"corpus folder that open proposals are compared with (default: {cfg.corpus})")
    p.set_defaults(database_url=cfg.database_url)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    accept = actions.add_parser("accept", help="write the proposed measure into the corpus",
                                description="Check the proposal like an import and write it into the corpus as a "
                                            "new measure with a new id; a proposal with the sub-pillar and titles "
                                            "of an existing measure is an edit of it, accepted only with --as-edit.")
    accept.add_argument("id", type=ROW_ID, metavar="ID", help="the proposal's number")
    # SUPPRESS: without it the action's default would replace a --corpus given before the action
    accept.add_argument("--corpus", default=argparse.SUPPRESS, help=f"corpus folder (default: {cfg.corpus})")
    accept.add_argument("--as-edit", action="store_true",
                        help="the proposal is an edit of the measure listed as 'edit of <id>': change that measure")
    reject = actions.add_parser("reject", help="refuse the proposal", description="Mark a proposal rejected.")
    reject.add_argument("id", type=ROW_ID, metavar="ID", help="the proposal's number")

    p = sub.add_parser("withdraw", help="remove one measure from the corpus, leaving a tombstone",
                       description="Remove one measure (a withdrawn proposal, a record entered by mistake) from the "
                                   "corpus; its tombstone keeps the whole record and says it was withdrawn, and its "
                                   "link answers 410 after the next `make index`.")
    p.add_argument("id", metavar="ID", help="the measure's id")
    p.add_argument("--corpus", default=cfg.corpus, help=f"corpus folder (default: {cfg.corpus})")

    p = sub.add_parser("backup", help="copy the reports database (SQLite online backup)",
                       description="Copy measuresearch.sqlite3 consistently, even while servers write to it "
                                   "(a PostgreSQL database is copied with pg_dump).")
    p.add_argument("--data", default=cfg.data, help=data_help)
    p.set_defaults(database_url=cfg.database_url)
    p.add_argument("--to", help="target file (default: DATA/backups/measuresearch-<UTC time>.sqlite3)")


def _store(args):
    """Open the readers' database the curator names; a data folder without one is refused, not given a new one."""
    import pathlib

    from measuresearch.curation.sqlite_engine import FILENAME
    from measuresearch.curation.store import open_store
    from measuresearch.errors import StoreUnavailable
    if not args.database_url and not (pathlib.Path(args.data) / FILENAME).is_file():
        # a mistyped --data (or MEASURESEARCH_DATA) would list "0 proposal(s)", or back up an empty database
        raise StoreUnavailable(f"no reports database in {args.data} ({FILENAME}): is --data (MEASURESEARCH_DATA) "
                               "the folder `serve` uses? `serve` creates it when it first starts")
    return open_store(args.data, args.database_url)


def _one_line(text, width=100):
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _titles(index):
    """Return measure id -> its first title in the live index ("(not in the index)" when it has none)."""
    from measuresearch.errors import MeasureSearchError
    from measuresearch.index.engine import IndexHolder
    from measuresearch.search.service import get_measure
    holder, known = IndexHolder(index), {}

    def title(measure_id):
        if measure_id not in known:
            try:
                known[measure_id] = _one_line(get_measure(holder, measure_id, related=0)["titles"][0], 80)
            except MeasureSearchError:  # removed, unknown, or no index at all
                known[measure_id] = "(not in the index)"
        return known[measure_id]
    return title


def cmd_reports(args):
    from measuresearch.curation import decisions as curation
    store = _store(args)
    if args.action == "close":
        report = curation.close(store, args.id)
        print(f"report {report['id']} on {report['measure_id']} is closed")
        return 0
    reports = store.reports(status=args.status)
    if args.json:
        print(json.dumps({"reports": reports}, ensure_ascii=False, indent=2))
        return 0
    title = _titles(args.index)
    for r in reports:
        email = f" <{r['email']}>" if r["email"] else ""
        print(f"#{r['id']} {r['status']} {r['created_at']} {title(r['measure_id'])} [{r['measure_id']}]{email}\n"
              f"    {_one_line(r['message'])}")
    print(f"{len(reports)} report(s)", file=sys.stderr)
    return 0


def cmd_proposals(args):
    from measuresearch.curation import decisions as curation
    from measuresearch.curation import edits
    store = _store(args)
    if args.action == "accept":
        proposal, report = curation.accept(store, args.id, args.corpus, as_edit=args.as_edit)
        for line in report.lines(details=True):
            print(line)
        print(f"proposal {proposal['id']} accepted as {proposal['measure_id']}; run `make index` to serve it")
        return 0
    if args.action == "reject":
        proposal = curation.reject(store, args.id, args.corpus)
        print(f"proposal {proposal['id']} is rejected")
        return 0
    curation.settle_left_claims(store, args.corpus)  # a killed accept's claim: accepted as its record, or open
    proposals = edits.annotate(store.proposals(status=args.status), _corpus_records(args.corpus))
    if args.json:
        print(json.dumps({"proposals": proposals}, ensure_ascii=False, indent=2))
        return 0
    for p in proposals:
        if p.get("damaged"):
            print(f"#{p['id']} {p['status']} {p['created_at']} damaged: {p['damaged']}; "
                  f"`measuresearch proposals reject {p['id']}` sets it aside")
            continue
        m = p["proposal"]
        status = p["status"] + (" (being written: no record yet)" if p["status"] == "accepted" and not p["measure_id"]
                                else "")
        print(f"#{p['id']} {status} {p['created_at']} {m['country']} · {m['sub_pillar']}\n"
              f"    {_one_line(m['titles'][0])}\n    source: {m.get('source_url')}")
        if p.get("moved"):
            print(f"    caution: it {p['moved']}")
        for line in _edit_lines(p["edit_of"]):
            print(line)
    print(f"{len(proposals)} proposal(s)", file=sys.stderr)
    return 0


def _corpus_records(corpus_dir):
    """Return records_of(country, sub_pillar) over the corpus files (edits.annotate)."""
    from measuresearch.corpus import importer
    from measuresearch.domain import taxonomy
    names = taxonomy.load(corpus_dir)

    def records_of(country, sub_pillar):
        measures, _ = importer.existing(corpus_dir, country, names)
        return [m.to_dict() for m in measures if m.sub_pillar == sub_pillar]
    return records_of


def _edit_lines(edit):
    """Return the lines that say a proposal is an edit, with its field diff."""
    if not edit:
        return []
    what = "accept with --as-edit" if edit["changes"] else "it changes nothing: reject it"
    lines = [f"    edit of {edit['id']} ({_one_line(edit['title'], 60)}); {what}"]
    for change in edit["changes"]:
        old, new = _differing(" ".join(str(change["old"]).split()), " ".join(str(change["new"]).split()))
        lines += [f"      {change['field']}: {old}", f"      {' ' * len(change['field'])}  -> {new}"]
    return lines


def _differing(old, new, width=100, before=30):
    """Return two one-line texts cut to `width`, from a little before where they first differ (a long description
    cut at its start showed two equal beginnings, hiding the change)."""
    same = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    start = max(0, same - before) if max(len(old), len(new)) > width else 0
    return tuple(("…" if start else "") + _one_line(text[start:], width) for text in (old, new))


def cmd_backup(args):
    store = _store(args)
    target = args.to or _new_backup_name(args.data)
    copied = store.backup(target)
    print(f"copied {store.engine.where} to {copied}")
    return 0


def _new_backup_name(data):
    """Return DATA/backups/measuresearch-<UTC time>.sqlite3, numbered past one taken the same second."""
    import pathlib
    stem = f"{data}/backups/measuresearch-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    target, n = pathlib.Path(f"{stem}.sqlite3"), 1
    while target.exists():
        n += 1
        target = pathlib.Path(f"{stem}-{n}.sqlite3")
    return target


def cmd_withdraw(args):
    from measuresearch.corpus import importer
    gone = importer.withdraw(args.corpus, args.id)
    print(f"withdrew {gone.id} ({_one_line(gone.titles[0], 60)}); its link answers 410 after `make index`")
    return 0


COMMANDS = {"reports": cmd_reports, "proposals": cmd_proposals, "withdraw": cmd_withdraw, "backup": cmd_backup}
