#!/usr/bin/env python3
"""Bad-input matrix for `relief run`: dirty files, broken compression, missing
or unreadable inputs, unwritable or full output folders, and bad options.

Every case runs into a folder that already holds a good bundle from an
earlier run, and checks:
  - the exit status (0 done, 1 bad usage/options, 2 bad input data, 3 I/O);
  - on failure, a stderr line naming the file and the line or byte offset
    (input problems) or the option (usage problems);
  - on failure, that the earlier bundle is byte-identical and that no
    temporary file (.NAME.XXXXXX.tmp) is left behind.

Decisions recorded here (DESIGN.md's exit codes):
  - a NUL byte is just a byte in a field, kept in the output (Go's reader
    accepted it); invalid UTF-8 likewise is kept byte for byte;
  - an input that cannot be opened (missing, a folder, unreadable) is an I/O
    failure, 3; an input whose *content* is wrong (bad rows, empty file,
    corrupt or truncated zstd) is bad data, 2;
  - a file with only the header is a valid county with no rows: exit 0 and a
    bundle of header lines.

Usage: test_bad_inputs.py --relief PATH [--keep] [--only REGEX]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
RELIEF = None
WORK = None
BUNDLE = ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv", "summary.json"]
ALLOWED_AFTER_FAILURE = {"errors.json"}


def path(*parts):
    return os.path.join(WORK, *parts)


def write(name, data):
    p = path(name)
    with open(p, "wb") as f:
        f.write(data)
    return p


GOOD_COPY = []  # the folder of the one plain good run that plain cases copy


def good_bundle(name, wrapper=(), folder=None, relief=None, good=None, options=t.OPTIONS):
    """A folder holding an earlier run's bundle; returns (folder, digests).
    The plain case (no wrapper, folder, relief, good or options given) gets
    a copy of one such run's folder, hidden files and all: the same bytes as
    a run of its own, made once instead of once per case."""
    plain = not wrapper and folder is None and relief is None and good is None and options == t.OPTIONS
    if plain and not GOOD_COPY:
        GOOD_COPY.append(good_bundle(".good", folder=path(".good"))[0])
    out = folder
    if not out:
        out = path(name)
        shutil.rmtree(out, ignore_errors=True)
    if plain:
        shutil.copytree(GOOD_COPY[0], out, symlinks=True)
        return out, t.digest(out)
    os.makedirs(out, exist_ok=True)
    rc, _, err, _ = t.run(list(wrapper) + t.run_args(relief or RELIEF, [good or t.fixture("small_header.csv")],
                                                      out, options=options))
    assert rc == 0, "earlier good run failed: %s" % err
    return out, t.digest(out)


def assert_untouched(out, before):
    after = t.digest(out)
    for name, h in before.items():
        assert after.get(name) == h, "earlier %s changed or vanished" % name
    extra = set(after) - set(before) - ALLOWED_AFTER_FAILURE
    assert not extra, "new files after a failed run: %s" % sorted(extra)
    assert not t.temp_files(out), "temporary files left: %s" % t.temp_files(out)


def fails(name, inputs, want_rc, message, extra=(), options=t.OPTIONS, compute=t.COMPUTE,
          county=t.COUNTY, wrapper=(), out=None, before=None, relief=None):
    """Runs relief into a folder with an earlier bundle; checks a failure."""
    if out is None:
        out, before = good_bundle(name)
    argv = list(wrapper) + t.run_args(relief or RELIEF, inputs, out, options=options, county=county,
                                      compute=compute, extra=extra)
    rc, o, err, _ = t.run(argv)
    assert rc == want_rc, "exit status %d, want %d; stderr: %s" % (rc, want_rc, err.strip()[-400:])
    assert re.search(message, err), "stderr lacks /%s/: %r" % (message, err[-400:])
    assert o == "", "stdout not empty: %r" % o[:200]
    assert_untouched(out, before)
    return err


def succeeds(name, inputs, extra=(), county=t.COUNTY):
    out, _ = good_bundle(name)
    rc, o, err, rss = t.run(t.run_args(RELIEF, inputs, out, county=county, extra=extra))
    assert rc == 0, "exit status %d; stderr: %s" % (rc, err.strip()[-400:])
    assert not t.temp_files(out), "temporary files left: %s" % t.temp_files(out)
    for n in BUNDLE:
        assert os.path.exists(os.path.join(out, n)), "%s missing" % n
    return out, err, rss


def rows_file(name, rows, header=True):
    head, _ = t.fixture_rows()
    return write(name, (t.row_bytes(head) if header else b"") + b"".join(t.row_bytes(r) for r in rows))


def good_rows():
    return t.fixture_rows()[1]


# ------------------------------------------------------------ input data


@case
def wrong_field_count():
    rows = good_rows()
    rows[1] = rows[1][:-1]  # 94 fields on line 3
    f = rows_file("fields94.csv", rows)
    fails("wrong_field_count", [f], 2, r"fields94\.csv:3: wrong number of fields \(expected 95, found 94\)")


@case
def extra_field():
    rows = good_rows()
    rows[2] = rows[2] + [b"x"]
    f = rows_file("fields96.csv", rows)
    fails("extra_field", [f], 2, r"fields96\.csv:4: wrong number of fields \(expected 95, found 96\)")


@case
def unterminated_quote():
    data = open(rows_file("unterminated.csv", good_rows()), "rb").read()
    # line 5: a quote opened and never closed (no quote after it in the file)
    f = write("unterminated.csv", data + b'1,2,"never closed, 4, 5\n6,7\n')
    fails("unterminated_quote", [f], 2, r"unterminated\.csv:5: unterminated quoted field")


@case
def bare_quote_in_field():
    rows = good_rows()
    rows[0][93] = b"A"
    data = open(rows_file("bare.csv", rows), "rb").read().replace(b",A,", b',A"B,', 1)
    f = write("bare.csv", data)
    fails("bare_quote_in_field", [f], 2, r'bare\.csv:2: bare " in non-quoted field')


@case
def nul_byte_is_bad_data():
    # a NUL is no text a DOJ extract holds: it would be copied into the CSVs
    # and cut short in the review store, so it is bad data, FILE:LINE named
    rows = good_rows()
    rows[1][12] = b"BEFORE\x00AFTER"
    f = rows_file("nul.csv", rows)
    fails("nul_byte_is_bad_data", [f], 2, r"nul\.csv:3: NUL byte in a field")
    rows = good_rows()
    rows[2][12] = b"SKYWALKER,\x00LUKE"  # quoted (a comma inside)
    f = rows_file("nul_quoted.csv", rows)
    fails("nul_byte_is_bad_data_quoted", [f], 2, r"nul_quoted\.csv:4: NUL byte in a field")


@case
def invalid_utf8_is_kept():
    rows = good_rows()
    rows[0][93] = b"BAD\xff\xfe\xc3(UTF8"
    rows[1][54] = b"11357 HS-\xe9\x80"  # truncated sequence inside a charge
    f = rows_file("utf8.csv", rows)
    out, _, _ = succeeds("invalid_utf8_is_kept", [f])
    data = open(os.path.join(out, "All_Results.csv"), "rb").read()
    assert b"BAD\xff\xfe\xc3(UTF8" in data and b"11357 HS-\xe9\x80" in data, "bytes not kept"


def review(*args):
    rc, o, err, _ = t.run([RELIEF, "review", *args])
    assert rc == 0, "review %s: exit %d: %s" % (args[0], rc, err.strip()[-400:])
    return o


def xlsx_cells(path):
    """The text of a workbook's cells (shared and inline strings)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return text


@case
def latin1_name_round_trip():
    """A Windows-1252 name (MU\\xD1OZ) is kept byte for byte in the reference
    CSVs, and is UTF-8 (MUÑOZ) in the review store, both sheets (which import
    again) and the motion PDF."""
    import csv
    import sqlite3
    rows = good_rows()
    for r in rows:
        if r[2] == b"2001":
            r[12] = b"MU\xD1OZ,JUAN"
    f = rows_file("latin1.csv", rows)
    out = path("latin1")
    shutil.rmtree(out, ignore_errors=True)
    rc, _, err, _ = t.run(t.run_args(RELIEF, [f], out, extra=["--review-files", "--forms"]))
    assert rc == 0, err[-400:]
    for name in ("All_Results.csv", "Prop64_Results.csv"):
        data = open(os.path.join(out, name), "rb").read()
        assert b"MU\xD1OZ,JUAN" in data, "%s lost the input's bytes" % name
    pdfs = [os.path.join(d, n) for d, _, ns in os.walk(out) for n in ns if n.endswith(".pdf")
            and "Court_Filings" in d]
    assert pdfs, "no motion PDF"
    if shutil.which("pdftotext"):
        text = "".join(subprocess.run(["pdftotext", p, "-"], capture_output=True).stdout
                       .decode("utf-8", "replace") for p in pdfs)
        assert "MUÑOZ" in text, "the motion PDF lacks MUÑOZ"
    lists = [os.path.join(d, "court_list.csv") for d, _, ns in os.walk(out) if "court_list.csv" in ns]
    assert lists and all("MUÑOZ".encode() in open(p, "rb").read() for p in lists), \
        "court_list.csv is not UTF-8"
    review("init", "--outputs=" + out)
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        names = [r[0] for r in c.execute("SELECT name FROM items")]
    assert "MUÑOZ,JUAN".encode() in [n if isinstance(n, bytes) else n.encode() for n in names], \
        "the store holds %r" % names
    for fmt in ("csv", "xlsx"):
        to = path("latin1_" + fmt)
        shutil.rmtree(to, ignore_errors=True)
        review("export", "--outputs=" + out, "--to=" + to, "--format=" + fmt)
        sheet = os.path.join(to, sorted(os.listdir(to))[0])
        if fmt == "csv":
            text = open(sheet, "rb").read().decode("utf-8")  # must be UTF-8
            assert "MUÑOZ,JUAN" in text, "the CSV sheet lacks MUÑOZ"
            with open(sheet, newline="", encoding="utf-8") as fh:
                table = list(csv.reader(fh))
            d = table[0].index("Decision")
            for row in table[1:]:
                row[d] = "Approve"
            with open(sheet, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows(table)
        else:
            assert "MUÑOZ,JUAN" in xlsx_cells(sheet), "the XLSX sheet lacks MUÑOZ"
        review("import", "--outputs=" + out, "--reviewer=latin1", sheet)
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        names = [r[0] for r in c.execute("SELECT name FROM items")]
    assert "MUÑOZ,JUAN" in names, "the store holds %r after import" % names
    # a store that holds the extract's bytes (made before init converted):
    # its sheets are UTF-8 still, and import again
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        c.execute("UPDATE items SET name = CAST(X'4D55D14F5A2C4A55414E' AS TEXT) "
                  "WHERE name = 'MUÑOZ,JUAN'")
    for fmt in ("csv", "xlsx"):
        to = path("latin1_raw_" + fmt)
        shutil.rmtree(to, ignore_errors=True)
        review("export", "--outputs=" + out, "--to=" + to, "--format=" + fmt)
        sheet = os.path.join(to, sorted(os.listdir(to))[0])
        text = (open(sheet, "rb").read().decode("utf-8") if fmt == "csv" else xlsx_cells(sheet))
        assert "MUÑOZ,JUAN" in text, "the %s sheet of a raw store lacks MUÑOZ" % fmt
        review("import", "--outputs=" + out, "--reviewer=latin1", sheet)


@case
def nul_byte_in_a_review_sheet_is_bad_data():
    """A NUL in an edited sheet's note was cut short in the store: now the
    import is refused (exit 2, FILE:LINE) and records nothing."""
    import sqlite3
    out = path("nul_sheet")
    shutil.rmtree(out, ignore_errors=True)
    rc, _, err, _ = t.run(t.run_args(RELIEF, [t.fixture("small_header.csv")], out,
                                     extra=["--review-files"]))
    assert rc == 0, err[-400:]
    review("init", "--outputs=" + out)
    to = path("nul_sheet_export")
    shutil.rmtree(to, ignore_errors=True)
    review("export", "--outputs=" + out, "--to=" + to, "--format=csv")
    sheet = os.path.join(to, sorted(os.listdir(to))[0])
    lines = open(sheet, "rb").read().split(b"\n")
    lines[1] = lines[1].rstrip(b"\r")[:-len(b",,0")] + b"Approve,note\x00hidden,0"
    open(sheet, "wb").write(b"\n".join(lines))
    rc, _, err, _ = t.run([RELIEF, "review", "import", "--outputs=" + out, "--reviewer=n", sheet])
    assert rc == 2 and re.search(r"\.csv:2: NUL byte in a field", err), (rc, err[-300:])
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        assert c.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0, "a decision recorded"


@case
def field_of_100_mb():
    size = (10 if t.SMALL else 100) << 20
    rows = good_rows()
    rows[0][93] = b"C" * size
    f = rows_file("bigfield.csv", rows)
    out, _, rss = succeeds("field_of_100_mb", [f])
    assert os.path.getsize(os.path.join(out, "All_Results.csv")) > size
    os.unlink(f)
    # input mapped once, each output buffer once: a few times the field
    limit = 6 * size // 1024 + 300 * 1024
    assert rss < limit, "peak RSS %d KiB for a %d MiB field (limit %d KiB)" % (rss, size >> 20, limit)
    shutil.rmtree(out)
    return "%d MiB field, peak RSS %d MiB" % (size >> 20, rss >> 10)


@case
def empty_file():
    f = write("empty.csv", b"")
    fails("empty_file", [f], 2, r"empty\.csv: byte 0: empty file")


@case
def header_only():
    head, _ = t.fixture_rows()
    f = write("header_only.csv", t.row_bytes(head))
    out, _, _ = succeeds("header_only", [f])
    for n in BUNDLE[:3]:
        lines = open(os.path.join(out, n), "rb").read().split(b"\n")
        assert len(lines) == 2 and lines[1] == b"" and lines[0].startswith((b"RECORD_ID,", b"CII_NUMBER,")), \
            "%s is not just a header line" % n


def zstd_bytes(data, *args):
    return subprocess.run(["zstd", "-q", "-c"] + list(args), input=data, stdout=subprocess.PIPE,
                          check=True).stdout


@case
def truncated_zstd():
    z = zstd_bytes(open(t.fixture("small_header.csv"), "rb").read())
    f = write("truncated.csv.zst", z[: len(z) - 7])
    fails("truncated_zstd", [f], 2, r"truncated\.csv\.zst: byte [0-9]+: .*truncated")


@case
def truncated_zstd_stream():
    # no content size in the header: the streaming path
    z = zstd_bytes(open(t.fixture("small_header.csv"), "rb").read(), "--no-content-size")
    f = write("truncated_stream.zst", z[: len(z) // 2])
    fails("truncated_zstd_stream", [f], 2, r"truncated_stream\.zst: byte [0-9]+: .*truncated")


@case
def corrupt_zstd():
    z = bytearray(zstd_bytes(open(t.fixture("small_header.csv"), "rb").read()))
    for i in range(len(z) // 2, len(z) // 2 + 8):
        z[i] ^= 0xA5
    f = write("corrupt.csv.zst", bytes(z))
    fails("corrupt_zstd", [f], 2, r"corrupt\.csv\.zst: byte [0-9]+: corrupt zstd")


@case
def corrupt_second_zstd_frame():
    data = open(t.fixture("small_header.csv"), "rb").read()
    cut = data.index(b"\n", len(data) // 2) + 1
    first = zstd_bytes(data[:cut])
    second = bytearray(zstd_bytes(data[cut:]))
    second[len(second) // 2] ^= 0xFF
    second[len(second) // 2 + 1] ^= 0xFF
    f = write("frame2.zst", first + bytes(second))
    err = fails("corrupt_second_zstd_frame", [f], 2, r"frame2\.zst: byte [0-9]+: corrupt zstd")
    offset = int(re.search(r"byte ([0-9]+)", err).group(1))
    assert offset == len(first), "offset %d, want the second frame's %d" % (offset, len(first))


@case
def bad_row_inside_zstd():
    rows = good_rows()
    rows[2] = rows[2][:50]
    data = open(rows_file("inside.csv", rows), "rb").read()
    f = write("inside.csv.zst", zstd_bytes(data))
    fails("bad_row_inside_zstd", [f], 2, r"inside\.csv\.zst:4: wrong number of fields")


@case
def bad_row_in_a_later_piece_names_its_line():
    # about 12 MB, so that the input is cut into many pieces (mapped chunks,
    # zstd frames, streamed pieces) parsed in parallel; the line number of
    # a bad row near the end counts every line of the pieces before it,
    # the header and quoted line breaks included
    head, rows = t.fixture_rows()
    body = [t.row_bytes(r) for r in rows]
    quoted_lf = list(rows[0])
    quoted_lf[-1] = b"two\nlines"
    lines, k = [t.row_bytes(quoted_lf)], 0
    size = len(lines[0])  # kept as it grows: summing the list each row took most of this test's minute
    while size < 12 << 20:
        lines.append(body[k % len(body)])
        size += len(lines[-1])
        k += 1
    bad = len(lines) - 3
    lines[bad] = t.row_bytes(rows[0][:-1])
    data = t.row_bytes(head) + b"".join(lines)
    want = 1 + bad + 1 + 1  # the header, the rows before, the quoted line break
    plain = write("later.csv", data)
    fails("bad_row_in_a_later_piece_names_its_line", [plain], 2,
          r"later\.csv:%d: wrong number of fields" % want, extra=["--threads=2"])
    cuts = [0] + [data.index(b"\n", len(data) * q // 4) + 1 for q in (1, 2, 3)] + [len(data)]
    frames = b""
    for a, b in zip(cuts, cuts[1:]):
        part = write("part.csv", data[a:b])
        frames += subprocess.run(["zstd", "-q", "-c", part], stdout=subprocess.PIPE,
                                 check=True).stdout
    framed = write("later_frames.csv.zst", frames)
    fails("bad_row_in_a_later_piece_names_its_line", [framed], 2,
          r"later_frames\.csv\.zst:%d: wrong number of fields" % want, extra=["--threads=2"])
    streamed = write("later_stream.csv.zst", zstd_bytes(data))  # no content size
    fails("bad_row_in_a_later_piece_names_its_line", [streamed], 2,
          r"later_stream\.csv\.zst:%d: wrong number of fields" % want, extra=["--threads=2"])


@case
def second_input_bad_writes_nothing():
    f = rows_file("fields94b.csv", [r[:-1] for r in good_rows()])
    fails("second_input_bad_writes_nothing", [t.fixture("small_header.csv"), f], 2,
          r"fields94b\.csv:2: wrong number of fields")


# ------------------------------------------------------------ the input file itself


@case
def missing_input():
    fails("missing_input", [path("no_such_file.csv")], 3,
          r"no_such_file\.csv: cannot open: No such file or directory")


@case
def folder_as_input():
    os.makedirs(path("a_folder"), exist_ok=True)
    fails("folder_as_input", [path("a_folder")], 3, r"a_folder: not a regular file")


def as_nobody():
    """argv prefix that runs a command as an unprivileged user, or None."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv"):
        return ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    return None


@case
def unreadable_input():
    wrapper = as_nobody()
    if wrapper is None:
        # root without setpriv: chmod 000 cannot stop root; a socket cannot be opened
        s = socket.socket(socket.AF_UNIX)
        s.bind(path("socket.csv"))
        fails("unreadable_input", [path("socket.csv")], 3, r"socket\.csv: cannot open")
        return "root without setpriv: a socket stands in for an unreadable file"
    # everything the unprivileged run needs is copied where it can reach it
    shared = tempfile.mkdtemp(prefix="relief-nobody-")
    os.chmod(shared, 0o777)
    try:
        relief = shutil.copy(RELIEF, os.path.join(shared, "relief"))
        options = shutil.copy(t.OPTIONS, os.path.join(shared, "options.json"))
        good = shutil.copy(t.fixture("small_header.csv"), os.path.join(shared, "good.csv"))
        for p in (options, good):
            os.chmod(p, 0o644)
        f = shutil.copy(t.fixture("small_header.csv"), os.path.join(shared, "secret.csv"))
        os.chmod(f, 0)
        out = os.path.join(shared, "out")
        os.makedirs(out)
        os.chmod(out, 0o777)
        out, before = good_bundle("unreadable", wrapper=wrapper, folder=out, relief=relief, good=good,
                                  options=options)
        fails("unreadable_input", [f], 3, r"secret\.csv: cannot open: Permission denied",
              wrapper=wrapper, out=out, before=before, relief=relief, options=options)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    return "run as uid 65534 via setpriv" if wrapper else ""


# ------------------------------------------------------------ the output folder


@case
def output_folder_under_a_file():
    write("plain_file", b"x")
    rc, _, err, _ = t.run(t.run_args(RELIEF, [t.fixture("small_header.csv")],
                                     path("plain_file", "out")))
    assert rc == 3, "exit %d: %s" % (rc, err)
    assert re.search(r"plain_file/out: cannot create the output folder", err), err
    assert open(path("plain_file"), "rb").read() == b"x"


def big_input(name, rows):
    """A valid input of about rows × 600 bytes, from the fixture's rows."""
    base = good_rows()
    out = []
    for i in range(rows):
        r = list(base[i % len(base)])
        r[2] = str(100000 + i // 3).encode()  # SUBJECT_ID
        out.append(r)
    return rows_file(name, out)


@case
def read_only_output_folder():
    if not t.can_mount():
        wrapper = as_nobody()
        if wrapper is None:
            return "skipped: neither mount nor an unprivileged user is available"
        shared = tempfile.mkdtemp(prefix="relief-ro-")
        os.chmod(shared, 0o755)
        try:
            out = os.path.join(shared, "out")
            relief = shutil.copy(RELIEF, os.path.join(shared, "relief"))
            options = shutil.copy(t.OPTIONS, os.path.join(shared, "options.json"))
            good = shutil.copy(t.fixture("small_header.csv"), os.path.join(shared, "good.csv"))
            for p in (options, good):
                os.chmod(p, 0o644)
            rc, _, err, _ = t.run(list(wrapper) + t.run_args(relief, [good], out, options=options))
            assert rc == 3 and "cannot create the output folder" in err, (rc, err)
        finally:
            shutil.rmtree(shared, ignore_errors=True)
        return "no mount: an unwritable parent as uid 65534"
    mnt = path("ro")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], check=True)
    try:
        out, before = good_bundle("ro", folder=os.path.join(mnt, "out"))
        subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
        fails("read_only_output_folder", [t.fixture("small_header.csv")], 3,
              r"out: cannot create the lock \.relief\.lock: Read-only file system",
              out=out, before=before)
    finally:
        subprocess.run(["umount", mnt])
    return "read-only tmpfs"


@case
def disk_full_tmpfs():
    if not t.can_mount():
        return "skipped: cannot mount a tmpfs here (disk_full_ulimit covers it)"
    big = big_input("fill.csv", 4000)  # ~2.5 MB in, ~6 MB out
    mnt = path("full")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], check=True)
    try:
        out, before = good_bundle("full", folder=os.path.join(mnt, "out"))
        fails("disk_full_tmpfs", [big], 3, r"out/[A-Za-z_0-9]+\.(csv|json): write failed: No space left",
              out=out, before=before)
    finally:
        subprocess.run(["umount", mnt])
    return "1 MiB tmpfs"


@case
def disk_full_ulimit():
    # the file size limit stands in for a full disk where mount is not allowed;
    # SIGXFSZ ignored so that write() fails with EFBIG instead of killing relief
    big = big_input("fill2.csv", 4000)
    wrapper = ["bash", "-c", 'trap "" XFSZ; ulimit -f 512; exec "$@"', "bash"]
    out, before = good_bundle("full_ulimit")
    fails("disk_full_ulimit", [big], 3, r"full_ulimit/[A-Za-z_0-9]+\.(csv|json): write failed: File too large",
          wrapper=wrapper, out=out, before=before)


# ------------------------------------------------------------ options


@case
def invalid_compute_at():
    for value in ("2019-02-30", "2019-13-01", "11/11/2019", "2019-11-11x", ""):
        fails("invalid_compute_at", [t.fixture("small_header.csv")], 1,
              r"invalid --compute-at", compute=value)


def options_file(name, text):
    return write(name, text.encode() if isinstance(text, str) else text)


BAD_OPTIONS = [
    ("age_30", '{"additionalRelief":{"subjectAgeThreshold":30}}', r"additionalRelief\.subjectAgeThreshold"),
    ("age_66", '{"additionalRelief":{"subjectAgeThreshold":66}}', r"additionalRelief\.subjectAgeThreshold"),
    ("since_16", '{"additionalRelief":{"yearsSinceConvictionThreshold":16}}',
     r"additionalRelief\.yearsSinceConvictionThreshold"),
    ("crimefree_neg", '{"additionalRelief":{"yearsCrimeFreeThreshold":-1}}',
     r"additionalRelief\.yearsCrimeFreeThreshold"),
    ("crimefree_string", '{"additionalRelief":{"yearsCrimeFreeThreshold":"5"}}',
     r"additionalRelief\.yearsCrimeFreeThreshold: must be a whole number"),
    ("age_float", '{"additionalRelief":{"subjectAgeThreshold":50.5}}',
     r"additionalRelief\.subjectAgeThreshold: must be a whole number"),
    ("deceased_string", '{"additionalRelief":{"subjectIsDeceased":"yes"}}',
     r"additionalRelief\.subjectIsDeceased: must be true or false"),
    ("dismiss_unknown", '{"baselineEligibility":{"dismiss":["12345"]}}', r"baselineEligibility\.dismiss"),
    ("reduce_not_list", '{"baselineEligibility":{"reduce":"11359"}}', r"baselineEligibility\.reduce"),
    ("reduce_number", '{"baselineEligibility":{"reduce":[11359]}}', r"baselineEligibility\.reduce"),
    ("baseline_list", '{"baselineEligibility":[]}', r"baselineEligibility: must be an object"),
    ("top_level_list", '[1,2]', r"\(top level\): must be a JSON object"),
    ("not_json", '{"baselineEligibility": {', r"not valid JSON"),
    ("empty_file", '', r"not valid JSON"),
]


@case
def invalid_option_values():
    for name, text, message in BAD_OPTIONS:
        f = options_file("opt_%s.json" % name, text)
        try:
            fails("badopt_" + name, [t.fixture("small_header.csv")], 1,
                  re.escape(os.path.basename(f)) + r".*" + message, options=f)
        except AssertionError as e:
            raise AssertionError("%s: %s" % (name, e))
    return "%d option files" % len(BAD_OPTIONS)


@case
def endless_options_file():
    fails("endless_options_file", [t.fixture("small_header.csv")], 1,
          r"/dev/zero: eligibility options is not a regular file", options="/dev/zero")


@case
def missing_options_file():
    fails("missing_options_file", [t.fixture("small_header.csv")], 1,
          r"no_options\.json: cannot read eligibility options", options=path("no_options.json"))


BAD_FLAGS = [
    ("threads_zero", ["--threads=0"], r"invalid --threads"),
    ("threads_word", ["--threads=many"], r"invalid --threads"),
    ("threads_huge", ["--threads=99999999999999999999"], r"invalid --threads"),
    ("unknown_option", ["--frobnicate=1"], r"unknown option '--frobnicate=1'"),
    ("stray_argument", ["stray"], r"unexpected argument 'stray'"),
    ("value_missing", ["--file-name-suffix"], r"option --file-name-suffix needs a value"),
    ("suffix_with_slash", ["--file-name-suffix=../elsewhere"], r"invalid --file-name-suffix"),
]


@case
def invalid_flags():
    for name, extra, message in BAD_FLAGS:
        try:
            fails("badflag_" + name, [t.fixture("small_header.csv")], 1, message, extra=extra)
        except AssertionError as e:
            raise AssertionError("%s: %s" % (name, e))
    return "%d flag values" % len(BAD_FLAGS)


@case
def empty_county():
    fails("empty_county", [t.fixture("small_header.csv")], 1, r"--county must not be empty", county="")


@case
def missing_required_option():
    out, before = good_bundle("missing_required")
    rc, _, err, _ = t.run([RELIEF, "run", "--input-doj=" + t.fixture("small_header.csv"),
                           "--outputs=" + out, "--eligibility-options=" + t.OPTIONS])
    assert rc == 1 and "missing required option: --county" in err, (rc, err)
    assert_untouched(out, before)


@case
def same_option_twice():
    for extra, name in ((["--county=SACRAMENTO"], "county"), (["--threads=1", "--threads=2"], "threads"),
                        (["--compute-at=2019-11-11"], "compute-at")):
        fails("twice_" + name, [t.fixture("small_header.csv")], 1,
              r"option --%s given twice" % re.escape(name), extra=extra)


@case
def unknown_county_stops_and_case_does_not_matter():
    """--county="Los Angeles" used to warn, then exit 0 with nobody found."""
    fails("unknown_county", [t.fixture("small_header.csv")], 1,
          r"--county 'SACRAMNETO' is not one of California's 58 counties; did you mean "
          r"'SACRAMENTO'\?", county="SACRAMNETO")
    # the name is taken whatever its case; the file's rows are Sacramento's,
    # which the county check says (issue 21), and nothing else warns
    for name, county in (("lower_county", "Los Angeles"), ("good_county", "SAN LUIS OBISPO")):
        out, err, _ = succeeds(name, [t.fixture("small_header.csv")], county=county)
        warnings = [line for line in err.splitlines() if "warning" in line]
        assert len(warnings) == 1 and 'most (2) are "SACRAMENTO"' in warnings[0], err
    out, err, _ = succeeds("own_county", [t.fixture("small_header.csv")], county="sacramento")
    assert "warning" not in err, err


def start(args, work):
    global RELIEF, WORK
    RELIEF, WORK = args.relief, work


def main():
    return H.main(H.parser(__doc__), "relief-bad-", start)


if __name__ == "__main__":
    sys.exit(main())
