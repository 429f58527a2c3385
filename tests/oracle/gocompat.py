"""Byte-exact emulations of the Go standard-library behaviours the reference
tool (gogen) leans on: encoding/csv reading and writing, time.Parse of
YYYYMMDD, time.AddDate, Time.Sub saturation, Duration.Hours, strconv.Atoi and
strings.TrimSpace.  Everything works on bytes, as Go strings are bytes.

Dates are held as day numbers (days since 1970-01-01, proleptic Gregorian,
year 0 allowed) so that year 0000 and the Go zero time (0001-01-01) behave
as in Go; Python's datetime cannot represent year 0.
"""

# ---------------------------------------------------------------- dates


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def days_from_civil(year, month, day):
    """Day number of a proleptic-Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return (y + (m <= 2), m, d)


# The Go zero time, 0001-01-01: what an unparseable date becomes.
ZERO_DAY = days_from_civil(1, 1, 1)


def parse_yyyymmdd(field):
    """Go time.Parse("20060102", field) -> day number; errors -> ZERO_DAY."""
    if len(field) != 8 or not all(0x30 <= c <= 0x39 for c in field):
        return ZERO_DAY
    year, month, day = int(field[0:4]), int(field[4:6]), int(field[6:8])
    if month < 1 or month > 12:
        return ZERO_DAY
    if day < 1 or day > days_in_month(year, month):
        return ZERO_DAY
    return days_from_civil(year, month, day)


def add_years(day_number, years):
    """Go Time.AddDate(years, 0, 0): Feb 29 overflows to Mar 1."""
    y, m, d = civil_from_days(day_number)
    y += years
    if d > days_in_month(y, m):  # only Feb 29 -> Mar 1
        return days_from_civil(y, m, days_in_month(y, m)) + (d - days_in_month(y, m))
    return days_from_civil(y, m, d)


INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)
NS_PER_HOUR = 3600 * 10**9
NS_PER_DAY = 24 * NS_PER_HOUR


def wrap_int64(value):
    """Two's-complement int64 wrap, as Go's integer (Duration) arithmetic."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= (1 << 63) else value


def sub_hours(later_day, earlier_day):
    """Go later.Sub(earlier).Hours() with Duration saturation."""
    ns = (later_day - earlier_day) * 86400 * 10**9
    ns = max(INT64_MIN, min(INT64_MAX, ns))
    hour = abs(ns) // NS_PER_HOUR * (1 if ns >= 0 else -1)  # truncating
    nsec = ns - hour * NS_PER_HOUR
    return float(hour) + float(nsec) / (60 * 60 * 1e9)


def years_between(later_day, earlier_day):
    """Go later.Sub(earlier).Hours() / (24 * 365.25) as a float."""
    return sub_hours(later_day, earlier_day) / (24 * 365.25)


def years_since(compute_day, event_day):
    """Go fmt "%.1f" of hours / (24 * 365.25)."""
    return "%.1f" % (sub_hours(compute_day, event_day) / (24 * 365.25))


def format_mmddyyyy(day_number):
    y, m, d = civil_from_days(day_number)
    return "%02d/%02d/%04d" % (m, d, y)


def format_rfc3339_midnight(day_number):
    y, m, d = civil_from_days(day_number)
    return "%04d-%02d-%02dT00:00:00Z" % (y, m, d)


# ---------------------------------------------------------------- strings


def go_atoi(field):
    """strconv.Atoi; any error (including range) -> 0 as gogen ignores it."""
    body = field[1:] if field[:1] in (b"+", b"-") else field
    if not body or not all(0x30 <= c <= 0x39 for c in body):
        return 0
    value = int(field)
    if value > INT64_MAX or value < INT64_MIN:
        return 0  # Atoi returns max/min with an error; avoided by generators
    return value


# UTF-8 encodings of the Unicode White_Space runes Go's unicode.IsSpace knows.
_UNICODE_SPACES = [
    ch.encode("utf-8")
    for ch in "\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
]
_ASCII_SPACES = b"\t\n\v\f\r "


def _leading_space_len(data):
    if not data:
        return 0
    if data[0] in _ASCII_SPACES:
        return 1
    for seq in _UNICODE_SPACES:
        if data.startswith(seq):
            return len(seq)
    return 0


def _trailing_space_len(data):
    if not data:
        return 0
    if data[-1] in _ASCII_SPACES:
        return 1
    for seq in _UNICODE_SPACES:
        if data.endswith(seq):
            return len(seq)
    return 0


def go_trim_space(data):
    while True:
        n = _leading_space_len(data)
        if not n:
            break
        data = data[n:]
    while True:
        n = _trailing_space_len(data)
        if not n:
            break
        data = data[:-n]
    return data


def starts_with_space_rune(data):
    return _leading_space_len(data) > 0


# ---------------------------------------------------------------- CSV


class CsvError(Exception):
    def __init__(self, line, message):
        super().__init__("%d: %s" % (line, message))
        self.line = line
        self.message = message


class GoCsvReader:
    """encoding/csv Reader, Comma=',', LazyQuotes=false, FieldsPerRecord=n
    (None: any count, for reading bundles back).

    first_line is the physical number of the first line handed to it, so
    that errors name the line of the file (header counted).
    """

    def __init__(self, data, fields_per_record, first_line=1):
        self.data = data
        self.pos = 0
        self.num_line = first_line - 1
        self.fields_per_record = fields_per_record

    def _read_line(self):
        """Returns the next line with CRLF normalised, or None at EOF."""
        data = self.data
        if self.pos >= len(data):
            return None
        end = data.find(b"\n", self.pos)
        if end < 0:
            line = data[self.pos:]
            self.pos = len(data)
            if line.endswith(b"\r"):  # trailing \r before EOF is dropped
                line = line[:-1]
        else:
            line = data[self.pos:end + 1]
            self.pos = end + 1
        self.num_line += 1
        if len(line) >= 2 and line[-2:] == b"\r\n":
            line = line[:-2] + b"\n"
        return line

    def records(self):
        """Yields (start_line, fields) for each record; raises CsvError."""
        while True:
            line = self._read_line()
            while line is not None and line in (b"", b"\n"):
                line = self._read_line()
            if line is None:
                return
            rec_line = self.num_line
            try:
                fields = self._parse_record(line, rec_line)
            except CsvError as e:
                if e.line != rec_line and "quoted-field" in e.message:
                    # an unterminated quote: name the line where the record began
                    raise CsvError(rec_line, "quoted field never closed (from line %d to %d)"
                                   % (rec_line, e.line))
                raise
            if self.fields_per_record is not None and len(fields) != self.fields_per_record:
                raise CsvError(rec_line, "wrong number of fields (%d, want %d)"
                               % (len(fields), self.fields_per_record))
            yield rec_line, fields

    def _parse_record(self, line, rec_line):
        fields = []
        while True:
            if not line or line[0:1] != b'"':
                comma = line.find(b",")
                field = line[:comma] if comma >= 0 else (
                    line[:-1] if line.endswith(b"\n") else line)
                if b'"' in field:
                    raise CsvError(self.num_line, 'bare " in non-quoted field')
                fields.append(field)
                if comma >= 0:
                    line = line[comma + 1:]
                    continue
                return fields
            # quoted field
            line = line[1:]
            buf = bytearray()
            while True:
                q = line.find(b'"')
                if q >= 0:
                    buf += line[:q]
                    line = line[q + 1:]
                    nxt = line[0:1]
                    if nxt == b'"':
                        buf += b'"'
                        line = line[1:]
                    elif nxt == b",":
                        line = line[1:]
                        fields.append(bytes(buf))
                        break
                    elif line in (b"", b"\n"):
                        fields.append(bytes(buf))
                        return fields
                    else:
                        raise CsvError(self.num_line,
                                       'extraneous or missing " in quoted-field')
                elif line:
                    buf += line
                    line = self._read_line()
                    if line is None:
                        line = b""
                else:
                    raise CsvError(self.num_line,
                                   'extraneous or missing " in quoted-field')


def go_csv_field(field):
    """encoding/csv Writer's quoting of one field."""
    if field == b"":
        return field
    needs = (field == b"\\." or any(c in b',"\r\n' for c in field)
             or starts_with_space_rune(field))
    if not needs:
        return field
    return b'"' + field.replace(b'"', b'""') + b'"'


def go_csv_line(fields):
    return b",".join(go_csv_field(f) for f in fields) + b"\n"
