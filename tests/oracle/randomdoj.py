#!/usr/bin/env python3
"""Random DOJ research files aimed at the contract's edge cases, not realism.

Every field the rules read is drawn from a pool of normal values, near
misses and oddities: unknown and impossible dates, dates one day either side
of every threshold, Feb 29 birthdays, quoted fields holding commas, quotes,
CR/LF, leading spaces, code sections that match the superstrike / PC 290 /
related patterns and ones that just miss, several sentence parts, repeated
CNT_ORDERs, COURT ACTION OFNs, out-of-county rows, SEE COMMENT FOR CHARGE.
The file is always well formed (95 fields a row) so that it is read whole.

With --la the people are drawn for the Los Angeles pilot flow (spec §6.2)
instead, mostly: felonies dated around 2016-11-09 and the conviction-free
cut-offs, superstrikes with known and unknown dates, gang enhancements
(186.22(B)(4) PC) with 246 PC etc. in the same step and in different
steps, PC 290 convictions and registrations, repeated Prop 64 convictions
sharing a 5-character prefix, 11357 subsections, sentences still running at
the compute date (several parts), people about 21, 40 and 50, deceased
people; a share of the generic people above is mixed in.

Usage: randomdoj.py --seed S --people N --out F [--county C] [--compute-at D] [--la]
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gocompat as go  # noqa: E402
from oracle import COL, DOJ_COLUMNS  # noqa: E402

PROP64_SECTIONS = [
    "11357(A) HS", "11357(B)HS", "11357(C) HS", "11357(D) HS", "11357 HS",
    "11357A HS", "11357(E) HS", "113570 HS", "11358 HS", "11358(C) HS",
    "11359 HS", "11359(B) HS", "11360(A) HS", "11360A2 HS", "11360 11357 HS",
    "11359 11358(A) HS", "11357(C)11357(A) HS", "11358 HS ", " 11359 HS",
]
SUPERSTRIKES = [
    "187 PC", "187PC", "1187 PC", "37 PC", "128 PC", "189.1 PC", "189.2 PC",
    "190.03(A) PC", "190.123 PC", "191.5 PC", "209.5 PC", "217.1 PC",
    "245(D)(3) PC", "261(A)(2) PC", "262 PC", "264.1 PC", "269 PC",
    "273AB(A) PC", "286(C)(2)(B) PC", "286(D)(3) PC", "288(A) PC",
    "288(B)(1) PC", "288A(C)(2)(B) PC", "288.5(A) PC", "289(J) PC",
    "289(A)(2)(C) PC", "451.5 PC", "653F PC", "667.61 PC", "667.6 PC",
    "4500 PC", "11418(B)(2) PC", "11418 PC", "12308 PC", "18755 PC",
    "1672(A) MV", "136.1 186.22(B)(4) PC", "186.22(B)(4) 246 PC",
    "186.22(B)(4) PC", "246 PC", "213(A)(1)(A) X 186.22(B)(4) PC",
    "12022.55 PC", "190(A\n) PC",
]
PC290 = [
    "236.1(B) PC", "236.1(A) PC", "243.4(A) PC", "261 PC", "261.5 PC",
    "261A PC", "262(A)(1) PC", "264.1(A) PC", "266 PC", "266C PC",
    "266H(B)(1) PC", "266I(B) PC", "266J PC", "267 PC", "269(A)(1) PC",
    "272 PC", "285 PC", "286 PC", "286.5 PC", "288 PC", "288A PC",
    "288.2(A) PC", "288.6 PC", "289(A) PC", "289.5 PC", "311.1(A) PC",
    "311.2(B) PC", "311.2(A) PC", "311.11(A) PC", "314(1) PC", "314(3) PC",
    "647.6(A) PC", "647A PC", "653F(B) PC", "653F(D) PC",
]
RELATED_AND_OTHER = [
    "647(f) PC", "647(F) PC", "602 PC", "466  PC", "148.9 PC", "148PC",
    "11364 HS", "11550 HS", "4140 BP", "40508(A) VC", "1320(A) PC",
    "1320.5 PC", "503 VC", "23152(B) VC", "459 PC", "632 PC", "11359, HS",
    '11358 "HS"', "32 PC", "", "   ",
]
DESCRIPTIONS = ["-POSSESS MARIJUANA", "-CULTIVATE CANNABIS", "-SELL-TRANSPORT",
                "", "-", " -X", "-A,B", '-SAY "HI"']


def rand_date_field(rng, around):
    """A STP_EVENT_DATE / PRI_DOB field: mostly real dates, often near a
    given day number, sometimes unknown or odd."""
    r = rng.random()
    if r < 0.12:
        return rng.choice(["", "19870000", "00000000", "19870230", "1987023 ",
                           " 19870123", "2019111", "201911111", "1987-1-1",
                           "19871301", "00010101", "00000229", "00001231",
                           "17000101", "24000101", "19000229", "20000229"])
    if r < 0.55 and around:
        day = rng.choice(around) + rng.choice([-1, 0, 0, 1, rng.randint(-400, 400)])
    else:
        day = go.days_from_civil(rng.randint(1930, 2024), 1, 1) + rng.randint(0, 365)
    y, m, d = go.civil_from_days(day)
    if not 0 <= y <= 9999:
        return ""
    return "%04d%02d%02d" % (y, m, d)


def thresholds(compute):
    """Day numbers one step from which a check flips."""
    days = [go.days_from_civil(2016, 11, 9), compute]
    for n in range(1, 16):
        days.append(go.add_years(compute, -n))
    days.append(go.add_years(compute, -7))
    return days


def code_section(rng):
    pool = rng.choice([PROP64_SECTIONS, PROP64_SECTIONS, SUPERSTRIKES, PC290, RELATED_AND_OTHER])
    return rng.choice(pool)


# Non-ASCII white space that Go's strings.TrimSpace removes; set to False to
# look past a known engine difference on it.
UNICODE_BLANKS = True


def offense_and_comment(rng):
    r = rng.random()
    charge = code_section(rng) + rng.choice(DESCRIPTIONS)
    comment = rng.choice(["", "", "RANDOM TEXT", code_section(rng) + rng.choice(DESCRIPTIONS),
                          "11357(A) HS-POSS", "11357(C)", "11360 HS-TRANSPORT",
                          "SEE 11358-CULT", "11357(D) - 11359"])
    if r < 0.12:
        return rng.choice(["", "   ", "SEE COMMENT FOR CHARGE", " SEE COMMENT FOR CHARGE  ",
                           "\tSEE COMMENT FOR CHARGE", "SEE COMMENT FOR CHARGE-X",
                           "\u00a0" if UNICODE_BLANKS else "\f"]), rng.choice([charge, comment])
    if r < 0.16:
        return charge.split("-")[0], comment  # no dash at all
    return charge, comment


FILLERS = ["", "", "", "x", "   ", " x", "\t", 'a"b', "\\.", "multi\nline",
           "\u00a0x", "a,b", "a\rb", "a\r\nb", "\u2003y", "\u0085z", "NULL  "]


class Person:
    def __init__(self, rng, sid, county, others, compute):
        self.rng = rng
        self.sid = sid
        self.county = county
        self.others = others
        self.compute = compute
        dob_day = go.add_years(compute, -rng.choice([21, 40, 45, 50, 57, 60, 65, 70, 25, 33]))
        dob_day += rng.choice([-1, 0, 1, rng.randint(-2000, 2000)])
        y, m, d = go.civil_from_days(dob_day)
        if rng.random() < 0.1:
            y, m, d = rng.choice([1960, 1964, 1972, 1996, 2000]), 2, 29
        self.dob_day = go.days_from_civil(y, m, d)
        self.dob = "%04d%02d%02d" % (y, m, d)
        if rng.random() < 0.12:
            self.dob = rng.choice(["", "19870000", "00000000", "19870230", "1960031 "])
        self.name = rng.choice(["SKYWALKER,LUKE S", "ORGANA,LEIA", " SOLO,HAN", 'O"BRIEN,PAT',
                                "KENOBI,OBI\nWAN", "YODA", "CALRISSIAN, LANDO"])

    def rows(self):
        rng = self.rng
        around = thresholds(self.compute) + [go.add_years(self.dob_day, 21)]
        out = []
        cycle = 100 + rng.randint(0, 5)
        count_orders = []
        for _ in range(rng.randint(1, 9)):
            cycle += rng.random() < 0.4
            step = rng.randint(1, 4)
            co = "%03d%03d%03d000" % (cycle, step, rng.randint(1, 3))
            if count_orders and rng.random() < 0.25:
                co = rng.choice(count_orders)  # a further sentence part or a repeat
            count_orders.append(co)
            f = [rng.choice(FILLERS) for _ in DOJ_COLUMNS]
            f[COL["SUBJECT_ID"]] = self.sid
            f[COL["PRI_NAME"]] = self.name if rng.random() < 0.9 else "OTHER,NAME"
            f[COL["PRI_DOB"]] = self.dob if rng.random() < 0.9 else rand_date_field(rng, around)
            f[COL["CNT_ORDER"]] = co
            f[COL["STP_TYPE_DESCR"]] = rng.choice(
                ["COURT ACTION"] * 5 + ["ARREST/DETAINED/CITED", "REGISTRATION", "DECEASED",
                                        "PROBATION", "COURT ACTION ", "court action"])
            f[COL["STP_EVENT_DATE"]] = rand_date_field(rng, around)
            f[COL["STP_ORI_CNTY_NAME"]] = rng.choice(
                [self.county] * 6 + self.others + [self.county + " ", self.county.lower(), ""])
            f[COL["OFN"]] = rng.choice(["", "", "NULL  ", "140189", "140190", "A,B", " 77", '1"2'])
            f[COL["OFFENSE_DESCR"]], f[COL["COMMENT_TEXT"]] = offense_and_comment(rng)
            if f[COL["STP_TYPE_DESCR"]] == "REGISTRATION" and rng.random() < 0.6:
                f[COL["OFFENSE_DESCR"]] = rng.choice(["290 PC-REGISTER", "290(A) PC", " 290 PC"])
            f[COL["OFFENSE_TOC"]] = rng.choice(["F", "M", "I", "", "f", "F "])
            f[COL["DISP_DESCR"]] = rng.choice(["CONVICTED-JAIL", "CONVICTED", "CONVICTED-PROB"] * 3
                                              + ["DISMISSED", "", " CONVICTED", "convicted"])
            f[COL["CONV_STAT_DESCR"]] = rng.choice(["FELONY"] * 5 + ["MISDEMEANOR", "INFRACTION",
                                                    "", "", "FELONY ", "felony"])
            f[COL["SENT_LENGTH"]] = rng.choice(["", "30", "+5", "-3", " 10", "10 ", "abc", "007",
                                                "200", "1", "99999"])
            f[COL["SENT_TIME_CODE"]] = rng.choice(["D", "M", "Y", "", "d", "X", "Y "])
            if f[COL["SENT_LENGTH"]] == "99999" and f[COL["SENT_TIME_CODE"]] != "D":
                f[COL["SENT_LENGTH"]] = "2"  # keep Go's Duration arithmetic in range
            out.append(f)
        return out


LA_PROP64 = [
    "11357(A) HS", "11357(B) HS", "11357(B)HS", "11357(C) HS", "11357(D) HS",
    "11357 HS", " 11357(A) HS", "11357A HS", "11358 HS", "11358(C) HS", "11358(D) HS",
    "11359 HS", "11359(B) HS", "11359(C)(3) HS", "11359HS", " 11359 HS",
    "11360(A) HS", "11360(A)(1) HS", "11360 HS", "11360 11357 HS", "11359 11357(A) HS",
]
# Families of sections sharing the first 5 characters (check 6).
LA_FAMILIES = [
    ["11359 HS", "11359(B) HS", "11359(C)(3) HS", "11359HS"],
    ["11358 HS", "11358(C) HS", "11358(D) HS"],
    ["11360(A) HS", "11360 HS", "11360(A)(1) HS", "11360 11357 HS"],
    ["11357(A) HS", "11357(C) HS", "11357 HS"],
]
LA_SUPERSTRIKES = [
    "187 PC", "187(A) PC", "664/187 PC", "191.5 PC", "209.5 PC", "245(D)(3) PC",
    "261(A)(2) PC", "269 PC", "288(A) PC", "653F PC", "11418(B)(2) PC", "1672(A) MV",
    "136.1 186.22(B)(4) PC", "186.22(B)(4) 246 PC", "186.22(B)(4) X 12022.55 PC",
]
# Parts of the step rule: a gang enhancement and the offenses it goes with.
LA_GANG = ["186.22(B)(4) PC", "186.22(B)(4) PC", "186.22(B)(4)PC", "186.22(B)(1) PC"]
LA_ENHANCEABLE = ["246 PC", "136.1 PC", "215 PC", "213(A)(1)(A) PC", "519 PC",
                  "12022.55 PC", "1246 PC", "213(A) PC", "246PC",
                  "186.22(B)(4) PC 246 PC"]
LA_PC290 = ["288 PC", "261 PC", "243.4(A) PC", "311.11(A) PC", "647.6(A) PC",
            "314(1) PC", "266J PC", "289(A) PC", "286.5 PC", "311.2(A) PC"]
LA_OTHER = ["459 PC", "11364 HS", "11350 HS", "23152(B) VC", "10851 VC", "148 PC",
            "245(A)(1) PC", "211 PC", "647(F) PC"]


class LaPerson:
    """A person drawn for the Los Angeles flow (see the module text)."""

    def __init__(self, rng, sid, county, others, compute):
        self.rng = rng
        self.sid = sid
        self.county = county
        self.others = others
        self.compute = compute
        years = rng.choice([21, 21, 22, 40, 40, 50, 50, 51, 30, 35, 45, 60, 19])
        dob_day = go.add_years(compute, -years) + rng.choice(
            [-1, 0, 1, rng.randint(-200, 200), rng.randint(-3000, 3000)])
        y, m, d = go.civil_from_days(dob_day)
        if rng.random() < 0.06:
            y, m, d = rng.choice([1969, 1970, 1979, 1998, 1999]), 2, 29
        self.dob = "%04d%02d%02d" % (y, m, d)
        if rng.random() < 0.06:
            self.dob = rng.choice(["", "19870000", "00000000", "19870230"])
        self.name = rng.choice(["SKYWALKER,LUKE S", "ORGANA,LEIA", "SOLO,HAN", "YODA"])
        self.family = rng.choice(LA_FAMILIES)
        # old: every date at or just around a conviction-free cut-off, or
        # long before (check 10's boundary); strikes: several superstrike /
        # PC 290 convictions, dates often unknown (the "earliest date" reset)
        self.style = rng.choice(["mixed"] * 6 + ["old", "strikes"])
        self.only_prop64 = self.style == "mixed" and rng.random() < 0.3

    def date(self):
        rng = self.rng
        r = rng.random()
        if self.style == "old":
            if r < 0.6:
                day = go.add_years(self.compute, -rng.choice([5, 10])) + rng.choice([-1, 0, 0, 1])
            else:
                day = go.days_from_civil(rng.randint(1985, 2008), 1, 1) + rng.randint(0, 365)
            y, m, d = go.civil_from_days(day)
            return "%04d%02d%02d" % (y, m, d)
        if r < (0.25 if self.style == "strikes" else 0.06):
            return rng.choice(["", "00000000", "19870230", "2016110"])
        if r < 0.3:
            day = go.days_from_civil(2016, 11, 9) + rng.choice([-1, 0, 1, -30, -400])
        elif r < 0.5:
            day = go.add_years(self.compute, -rng.choice([5, 10, 40])) + rng.choice([-1, 0, 1, 2])
        else:
            day = go.days_from_civil(rng.randint(1985, 2019), 1, 1) + rng.randint(0, 365)
        y, m, d = go.civil_from_days(day)
        return "%04d%02d%02d" % (y, m, d)

    def section(self):
        rng = self.rng
        r = rng.random()
        if self.style == "strikes" and r < 0.5:
            return rng.choice(LA_SUPERSTRIKES + LA_PC290)
        if self.only_prop64 or r < 0.45:
            return rng.choice(self.family) if rng.random() < 0.6 else rng.choice(LA_PROP64)
        if r < 0.58:
            return rng.choice(LA_SUPERSTRIKES)
        if r < 0.7:
            return rng.choice(LA_GANG + LA_ENHANCEABLE)
        if r < 0.8:
            return rng.choice(LA_PC290)
        return rng.choice(LA_OTHER)

    def row(self, co, kind, date, offense):
        rng = self.rng
        f = [""] * len(DOJ_COLUMNS)
        f[COL["RECORD_ID"]] = "x"
        f[COL["SUBJECT_ID"]] = self.sid
        f[COL["CII_NUMBER"]] = "A" + self.sid
        f[COL["PRI_NAME"]] = self.name
        f[COL["PRI_DOB"]] = self.dob
        f[COL["CNT_ORDER"]] = co
        f[COL["STP_TYPE_DESCR"]] = kind
        f[COL["STP_EVENT_DATE"]] = date
        f[COL["STP_ORI_CNTY_NAME"]] = self.county if rng.random() < 0.85 else rng.choice(self.others)
        f[COL["OFN"]] = rng.choice(["", "140189", "140190", "BA123,4"])
        f[COL["OFFENSE_DESCR"]] = offense + rng.choice(["-POSSESS", "-SELL", "", "-X-Y"])
        f[COL["OFFENSE_TOC"]] = rng.choice(["F", "F", "M", ""])
        f[COL["DISP_DESCR"]] = "CONVICTED-JAIL" if kind == "COURT ACTION" else ""
        f[COL["CONV_STAT_DESCR"]] = rng.choice(["FELONY"] * 7 + ["MISDEMEANOR", ""])
        length, unit = rng.choice([("", ""), ("", ""), ("30", "D"), ("2", "Y"), ("5", "Y"),
                                   ("16", "Y"), ("36", "M"), ("120", "M"), ("3650", "D"),
                                   ("abc", "Y"), ("-2", "Y"), ("4", "X"),
                                   # int64 nanoseconds overflow (Go wraps):
                                   # 292 Y, 106752 D and 3500 M are the first
                                   rng.choice([("291", "Y"), ("292", "Y"), ("999", "Y"),
                                               ("106752", "D"), ("5000", "M")])])
        f[COL["SENT_LENGTH"]], f[COL["SENT_TIME_CODE"]] = length, unit
        f[COL["END_OF_REC"]] = "#"
        return f

    def rows(self):
        rng = self.rng
        out = []
        cycle = 100 + rng.randint(0, 3)
        count_orders = []
        for _ in range(rng.randint(1, 7)):
            cycle += rng.random() < 0.5
            step = "%03d%03d" % (cycle, rng.randint(1, 3))
            date = self.date()
            r = rng.random()
            if r < 0.1 and not self.only_prop64:
                # a gang enhancement and an enhanceable offense in one step
                parts = [rng.choice(LA_GANG[:3]), rng.choice(LA_ENHANCEABLE)]
                rng.shuffle(parts)
                for k, offense in enumerate(parts):
                    co = "%s%03d000" % (step, k + 1)
                    count_orders.append(co)
                    out.append(self.row(co, "COURT ACTION", date, offense))
                continue
            if r < 0.18 and count_orders:
                # a further sentence part of an earlier count
                co = rng.choice(count_orders)
                f = self.row(co, "COURT ACTION", self.date(), self.section())
                f[COL["SENT_LENGTH"]], f[COL["SENT_TIME_CODE"]] = rng.choice(
                    [("10", "Y"), ("1", "Y"), ("400", "D"), ("24", "M")])
                out.append(f)
                continue
            if r < 0.24:
                out.append(self.row("%s001000" % step, "ARREST/DETAINED/CITED", date,
                                    self.section()))
                continue
            co = "%s%03d000" % (step, rng.randint(1, 3))
            count_orders.append(co)
            out.append(self.row(co, "COURT ACTION", date, self.section()))
        if rng.random() < 0.08:
            out.append(self.row("%03d001001000" % (cycle + 1), "REGISTRATION", self.date(),
                                rng.choice(["290 PC", "290(A) PC", " 290 PC"])))
        if rng.random() < 0.15:
            out.append(self.row("%03d001001000" % (cycle + 2), "DECEASED", self.date(), ""))
        if out:
            out[rng.randrange(len(out))][COL["SENT_LENGTH"]] = rng.choice(["", "3", "7", "20"])
        return out


def encode_field(rng, field):
    raw = field.encode("utf-8")
    must_quote = any(c in raw for c in b',"\r\n')
    if must_quote or (rng.random() < 0.05):
        return b'"' + raw.replace(b'"', b'""') + b'"'
    return raw


def generate(seed, people, county, compute, la=False):
    """la: people drawn for the Los Angeles flow, with a share of generic
    ones (the generic file of a seed is unchanged without it)."""
    rng = random.Random(seed)
    others = ["LOS ANGELES", "ALAMEDA", "SAN FRANCISCO"]
    others = [c for c in others if c != county]
    persons = []
    for i in range(people):
        sid = str(10000000 + rng.randint(0, people * 3))
        if rng.random() < 0.05:
            sid += " "
        kind = LaPerson if la and rng.random() < 0.8 else Person
        persons.append(kind(rng, sid, county, others, compute).rows())
    # Mostly each person's rows together; sometimes interleaved.
    rows = []
    queues = [list(p) for p in persons]
    while queues:
        k = rng.randrange(len(queues)) if rng.random() < 0.3 else 0
        rows.append(queues[k].pop(0))
        if rng.random() < 0.3 or not queues[k]:
            if not queues[k]:
                queues.pop(k)
    crlf = rng.random() < 0.3
    parts = []
    header_kind = rng.choice(["none", "plain", "extra_comma"])
    if header_kind != "none":
        parts.append(",".join(DOJ_COLUMNS).encode() + (b"," if header_kind == "extra_comma" else b"")
                     + (b"\r\n" if crlf else b"\n"))
    for i, row in enumerate(rows):
        line = b",".join(encode_field(rng, f) for f in row)
        end = b"\r\n" if (crlf or rng.random() < 0.05) else b"\n"
        if i == len(rows) - 1:
            end = rng.choice([end, b"", b"\r"])
        parts.append(line + end)
        if rng.random() < 0.03 and i != len(rows) - 1:
            parts.append(rng.choice([b"\n", b"\r\n"]))
    return b"".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--people", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--county", default="SACRAMENTO")
    ap.add_argument("--compute-at", default="2019-11-11")
    ap.add_argument("--la", action="store_true", help="people for the Los Angeles flow")
    args = ap.parse_args()
    y, m, d = (int(x) for x in args.compute_at.split("-"))
    data = generate(args.seed, args.people, args.county, go.days_from_civil(y, m, d), la=args.la)
    with open(args.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
