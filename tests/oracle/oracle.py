#!/usr/bin/env python3
"""Independent oracle of the eligibility contract (shared/spec/eligibility.md)
for `relief run`: reads DOJ research files the way the reference tool (gogen)
does and writes the same bundle (All_Results, All_Results_Condensed,
Prop64_Results per input file, one summary JSON).

Written from the spec, deliberately simple and slow; it is the yardstick the
C engine is compared against, so clarity beats speed everywhere.
"""

import argparse
import datetime
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gocompat as go  # noqa: E402

DOJ_COLUMNS = (
    "RECORD_ID SUBJECT_STATUS SUBJECT_ID REQ_SEG_SEP REQ_CII_NUMBER REQ_NAME "
    "REQ_GENDER REQ_DOB REQ_CDL REQ_SSN PII_SEG_SEP CII_NUMBER PRI_NAME GENDER "
    "PRI_DOB PRI_SSN PRI_CDL PRI_IDN PRI_INN FBI_NUMBER PDR_SEG_SEP RACE_CODE "
    "RACE_DESCR EYE_COLOR_CODE EYE_COLOR_DESCR HAIR_COLOR_CODE HAIR_COLOR_DESCR "
    "HEIGHT WEIGHT SINGLE_SOURCE MULTI_SOURCE POB_CODE POB_NAME POB_TYPE "
    "CITIZENSHIP_LIST CYC_SEG_SEP CYC_ORDER CYC_DATE STP_SEG_SEP STP_ORDER "
    "STP_EVENT_DATE STP_TYPE_CODE STP_TYPE_DESCR STP_ORI_TYPE STP_ORI_TYPE_DESCR "
    "STP_ORI_CODE STP_ORI_DESCR STP_ORI_CNTY_CODE STP_ORI_CNTY_NAME CNT_SEG_SEP "
    "CNT_ORDER DISP_DATE OFN OFFENSE_CODE OFFENSE_DESCR OFFENSE_TOC "
    "OFFENSE_QUAL_LST DISP_OFFENSE_CODE DISP_OFFENSE_DESCR DISP_OFFENSE_TOC "
    "DISP_OFFENSE_QUAL_LST CONV_OFFENSE_ORDER CONV_OFFENSE_CODE "
    "CONV_OFFENSE_DESCR CONV_OFFENSE_TOC CONV_OFFENSE_QUAL_LST FE_NUM_ORDER "
    "FE_NUM_ARR_AGY FE_NUM_BNCH_WARR FE_NUM_CITE FE_NUM_DOCKET FE_NUM_INCIDENT "
    "FE_NUM_BOOKING FE_NUM_NUMBER FE_NUM_REMAND FE_NUM_OOS_INN FE_NUM_CRT_CASE "
    "FE_NUM_WARRANT DISP_ORDER DISP_CODE DISP_DESCR CONV_STAT_CODE "
    "CONV_STAT_DESCR SENT_SEG_SEP SENT_ORDER SENT_LOC_CODE SENT_LOC_DESCR "
    "SENT_LENGTH SENT_TIME_CODE SENT_TIME_DESCR CYC_AGE CII_TYPE CII_TYPE_ALPHA "
    "COMMENT_TEXT END_OF_REC").split()
assert len(DOJ_COLUMNS) == 95
COL = {name: i for i, name in enumerate(DOJ_COLUMNS)}

CONDENSED_COLUMNS = (
    "CII_NUMBER PRI_NAME GENDER PRI_DOB RACE_DESCR CYC_DATE STP_EVENT_DATE "
    "STP_ORI_DESCR STP_ORI_CNTY_NAME DISP_DATE OFN OFFENSE_DESCR DISP_DESCR "
    "CONV_STAT_DESCR SENT_LOC_DESCR SENT_LENGTH SENT_TIME_CODE CYC_AGE "
    "COMMENT_TEXT END_OF_REC").split()

RESULT_COLUMNS = [
    "Case Number", "# of convictions on record", "Possible Other P64 Charges",
    "Occurred after 11/9/2016", "Superstrike Code Section(s)",
    "PC290 Code Section(s)", "PC290 Registration", "Date of Conviction",
    "Years Since This Conviction", "Years Since Any Conviction",
    "# of Prop 64 convictions", "# of HS 11357 convictions",
    "# of HS 11358 convictions", "# of HS 11359 convictions",
    "# of HS 11360 convictions", "Deceased", "Eligibility Determination",
    "Eligibility Reason",
]
POSSIBLE_OTHER_COLUMN = 2

DISMISSAL = "Eligible for Dismissal"
REDUCTION = "Eligible for Reduction"
NOT_ELIGIBLE = "Not eligible"
HAND_REVIEW = "Hand Review"
CITY_ATTORNEYS = "To be reviewed by City Attorneys"

# ---------------------------------------------------------------- classes (§3)

PROP64_RE = re.compile(rb"11357|11358|11359|11360")
SUBSECTION_11357_RE = re.compile(rb"11357\(([A-D])\)")
RELATED_RE = re.compile(
    rb"(647\(f\)\s*PC|602\s*PC|466\s*PC|148\.9\s*PC|148\s*PC|11364\s*HS|"
    rb"11550\s*HS|4140\s*BP|4149\s*BP|4060\s*BP|40508\s*VC|1320[^\d\.][^\.]*PC)")

_GANG = rb"186\.22\(B\)\(4\)"
_ENHANCEABLE = rb"((136\.1)|(215)|(213\(A\)\(1\)\(A\))|(246)|(519)|(12022\.55))"
SUPERSTRIKE_RES = [re.compile(p) for p in [
    rb"37 PC", rb"128 PC",
    _ENHANCEABLE + rb".*" + _GANG + rb" PC", _GANG + rb".*" + _ENHANCEABLE + rb" PC",
    rb"187 PC", rb"188 PC", rb"189(\.[15])? PC", rb"190(\.[0-9]{1,2})?(\(.*\))? PC",
    rb"191(\.5)? PC", rb"205 PC", rb"207 PC", rb"209(\.5)? PC", rb"217\.1 PC",
    rb"218 PC", rb"219 PC", rb"220 PC", rb"245\(D\)\(3\) PC", rb"261(\(.*\))? PC",
    rb"262(\(.*\))? PC", rb"264\.1 PC", rb"269 PC", rb"273AB(\(.*\))? PC",
    rb"286((\(C\)\([123]\)(\([ABC]\))?)|(\(D\)\([123]\)))? PC", rb"287 PC",
    rb"288((\(A\))|(\(B\)\([12]\)))? PC",
    rb"288A((\(D\))|(\(C\)\(1\))|(\(C\)\(2\)\([ABC]\)))? PC",
    rb"288\.5(\(A\))? PC",
    rb"289((\(J\))|(\(A\)\(1\)\([ABC]\))|(\(A\)\(2\)\(C\)))? PC",
    rb"451\.5 PC", rb"653F PC", rb"667\.(61|7|71) PC", rb"4500 PC",
    rb"11418((\(A\)\(1\))|(\(B\)\([12]\))) PC", rb"12308 PC", rb"12310 PC",
    rb"18745 PC", rb"18755 PC", rb"1672\(A\) MV",
]]
PC290_RES = [re.compile(p) for p in [
    rb"236\.1\([BC]\)(.*) PC", rb"243\.4(.*) PC", rb"261 PC",
    rb"261(\(|\.|[a-zA-Z])+(.*) PC", rb"262\(A\)(\(1\))? PC",
    rb"264\.1(\((.*))? PC", rb"266 PC", rb"266C PC", rb"266H\(B\)(.*) PC",
    rb"266I\(B\)(.*) PC", rb"266J PC", rb"267 PC", rb"269 PC",
    rb"269(\(|\.|[a-zA-Z])+(.*) PC", rb"272 PC", rb"285 PC", rb"287 PC",
    rb"286([^.]*) PC", rb"288 PC", rb"288A(.*) PC", rb"288\.[23457](.*) PC",
    rb"289([^.]*) PC", rb"311\.1(.*) PC", rb"311\.2\([BCD]\) PC",
    rb"311\.([34]|10|11)(.*) PC", rb"314\([12]\) PC", rb"451\.5 PC",
    rb"647\.6(.*) PC", rb"647A(.*) PC", rb"653F\([BC]\) PC",
]]


def prop64_section(code_section):
    """'11357'..'11360' (leftmost occurrence) or None."""
    m = PROP64_RE.search(code_section)
    return m.group(0).decode() if m else None


def subsection_11357(text):
    m = SUBSECTION_11357_RE.search(text)
    return m.group(1) if m else None


def is_superstrike(code_section):
    return any(p.search(code_section) for p in SUPERSTRIKE_RES)


def is_pc290(code_section):
    return any(p.search(code_section) for p in PC290_RES)


# §6.2 check 4: a gang enhancement and an enhanceable offense in one step.
GANG_STEP_RE = re.compile(_GANG + rb" PC")
ENHANCEABLE_STEP_RE = re.compile(_ENHANCEABLE + rb" PC")


def is_related(code_section):
    return RELATED_RE.search(code_section) is not None


# ---------------------------------------------------------------- rows (§1)


def charge_in_comment(offense_descr):
    trimmed = go.go_trim_space(offense_descr)
    return trimmed == b"" or trimmed == b"SEE COMMENT FOR CHARGE"


def code_section_of(fields):
    source = fields[COL["COMMENT_TEXT"]] if charge_in_comment(
        fields[COL["OFFENSE_DESCR"]]) else fields[COL["OFFENSE_DESCR"]]
    return source.split(b"-", 1)[0]


SENTENCE_UNIT_HOURS = {b"D": 24, b"M": 732, b"Y": 8784}


class Conviction:
    def __init__(self, index, fields):
        self.index = index
        self.code_section = code_section_of(fields)
        self.section = prop64_section(self.code_section)
        self.disposition = go.parse_yyyymmdd(fields[COL["STP_EVENT_DATE"]])
        conv_stat = fields[COL["CONV_STAT_DESCR"]]
        self.felony = conv_stat == b"FELONY" or (
            conv_stat == b"" and fields[COL["OFFENSE_TOC"]] == b"F")
        self.county = fields[COL["STP_ORI_CNTY_NAME"]]
        self.count_order = fields[COL["CNT_ORDER"]]
        # Sentence end = disposition date + the sentence parts, kept as the
        # nanoseconds added to the disposition date (§1, §2); read by the
        # Los Angeles flow only.
        self.sentence_ns = sentence_part_ns(fields)

    def sentence_end_after(self, day):
        """Is disposition date + sentence parts after midnight UTC of day?"""
        return self.disposition * go.NS_PER_DAY + self.sentence_ns > day * go.NS_PER_DAY


def sentence_part_ns(fields):
    """One row's sentence part as a Go time.Duration: SENT_LENGTH (Atoi)
    times the unit, in int64 nanoseconds (wrapping as Go's multiplication
    does; Time.Add of each part then adds it to the end date)."""
    unit = SENTENCE_UNIT_HOURS.get(fields[COL["SENT_TIME_CODE"]], 0)
    return go.wrap_int64(go.go_atoi(fields[COL["SENT_LENGTH"]]) * unit * go.NS_PER_HOUR)


class Person:
    def __init__(self, fields):
        self.dob = go.parse_yyyymmdd(fields[COL["PRI_DOB"]])
        self.convictions = []
        self.seen_count_orders = set()
        self.deceased = False
        self.registered = False
        self.case_numbers = {}  # step -> [OFN, ...]

    def push(self, index, fields):
        convicted = fields[COL["DISP_DESCR"]].startswith(b"CONVICTED")
        count_order = fields[COL["CNT_ORDER"]]
        step_type = fields[COL["STP_TYPE_DESCR"]]
        if convicted and count_order in self.seen_count_orders:
            self.convictions[-1].sentence_ns += sentence_part_ns(fields)
        if step_type == b"DECEASED":
            self.deceased = True
        ofn = fields[COL["OFN"]]
        if step_type == b"COURT ACTION" and ofn != b"":
            numbers = self.case_numbers.setdefault(count_order[0:6], [])
            if ofn not in numbers:
                numbers.append(ofn)
        if step_type == b"REGISTRATION" and fields[COL["OFFENSE_DESCR"]].startswith(b"290"):
            self.registered = True
        if convicted and count_order not in self.seen_count_orders:
            self.convictions.append(Conviction(index, fields))
            self.seen_count_orders.add(count_order)

    def latest_disposition(self):
        latest = go.ZERO_DAY
        for c in self.convictions:
            latest = max(latest, c.disposition)
        return latest


# ---------------------------------------------------------------- options


class OptionsError(Exception):
    pass


def go_json_field(obj, key):
    """Go encoding/json field lookup: exact name first, else case-insensitive;
    unknown keys are ignored.  Returns None when absent (or null)."""
    if not isinstance(obj, dict):
        raise OptionsError("expected a JSON object, got %r" % (obj,))
    if key in obj:
        return obj[key]
    for k, v in obj.items():
        if k.lower() == key.lower():
            return v
    return None


class _Fields:
    def __init__(self, obj):
        self.obj = obj

    def get(self, key, default=None):
        value = go_json_field(self.obj, key)
        return default if value is None else value


class Options:
    def __init__(self, raw):
        if not isinstance(raw, dict):
            raise OptionsError("eligibility options: not a JSON object")
        base = _Fields(go_json_field(raw, "baselineEligibility") or {})
        extra = _Fields(go_json_field(raw, "additionalRelief") or {})
        self.dismiss = self._sections(base, "dismiss")
        self.reduce = self._sections(base, "reduce")
        self.under21 = self._flag(extra, "subjectUnder21AtConviction")
        self.age = self._number(extra, "subjectAgeThreshold", 40, 65)
        self.years_since = self._number(extra, "yearsSinceConvictionThreshold", 1, 15)
        self.years_crime_free = self._number(extra, "yearsCrimeFreeThreshold", 1, 15)
        self.deceased = self._flag(extra, "subjectIsDeceased")
        self.only_prop64 = self._flag(extra, "subjectHasOnlyProp64Charges")

    @staticmethod
    def _flag(extra, key):
        value = extra.get(key, False)
        if not isinstance(value, bool):
            raise OptionsError("%s: must be true or false, got %r" % (key, value))
        return value

    @staticmethod
    def _sections(base, key):
        value = base.get(key) or []
        if not isinstance(value, list):
            raise OptionsError("%s: must be a list of code sections" % key)
        for s in value:
            if s not in ("11357", "11358", "11359", "11360"):
                raise OptionsError("%s: invalid code section %r" % (key, s))
        return list(value)

    @staticmethod
    def _number(extra, key, low, high):
        value = extra.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not (
                value == 0 or low <= value <= high):
            raise OptionsError("%s: invalid value %r" % (key, value))
        return value


# ---------------------------------------------------------------- flows (§6)


def configurable_decision(opts, person, conv, compute):
    """The §6.1 checks in order; returns (determination, reason)."""
    if not conv.felony:
        return DISMISSAL, "Misdemeanor or Infraction"
    for section in opts.dismiss:
        if section.encode() in conv.code_section:
            return DISMISSAL, "Dismiss all HS %s convictions" % section
    if opts.under21 and go.add_years(person.dob, 21) > conv.disposition:
        return DISMISSAL, "21 years or younger"
    if opts.age and go.add_years(person.dob, opts.age) <= compute:
        return DISMISSAL, "%d years or older" % opts.age
    if opts.years_since and conv.disposition <= go.add_years(compute, -opts.years_since):
        return DISMISSAL, "Conviction occurred %d or more years ago" % opts.years_since
    if opts.years_crime_free and person.latest_disposition() < go.add_years(
            compute, -opts.years_crime_free):
        return DISMISSAL, "No convictions in the past %d years" % opts.years_crime_free
    if opts.only_prop64 and all(c.section for c in person.convictions):
        return DISMISSAL, "Only has 11357-60 charges"
    if opts.deceased and person.deceased:
        return DISMISSAL, "Individual is deceased"
    for section in opts.reduce:
        if section.encode() in conv.code_section:
            return REDUCTION, "Reduce all HS %s convictions" % section
    return "", ""


class ConfigurableFlow:
    """§6.1 driven by the options file."""

    def __init__(self, opts):
        self.opts = opts
        self.dismiss, self.reduce = opts.dismiss, opts.reduce

    def decide(self, person, conv, compute):
        return configurable_decision(self.opts, person, conv, compute) + (None,)


def earliest_date(convictions):
    """§6.2 "earliest date", in conviction order: none -> take; unknown ->
    take (an unknown date resets the running value); else take when earlier.
    Unknown (the zero day) when there are none."""
    running = None
    for c in convictions:
        if running is None or running == go.ZERO_DAY or c.disposition < running:
            running = c.disposition
    return go.ZERO_DAY if running is None else running


class LosAngelesFlow:
    """§6.2, the Los Angeles pilot flow.  decide() returns (determination,
    reason, rule id); the rule ids are the engine's --trace names."""

    EFFECTIVE = go.days_from_civil(2016, 11, 9)

    def __init__(self, age=50, years_free=10):
        self.age = age
        self.years_free = years_free
        self.dismiss, self.reduce = [], []

    @staticmethod
    def has_gang_step(person):
        steps = {}
        for c in person.convictions:
            gang, enh = steps.get(c.count_order[0:6], (False, False))
            steps[c.count_order[0:6]] = (gang or GANG_STEP_RE.search(c.code_section) is not None,
                                         enh or ENHANCEABLE_STEP_RE.search(c.code_section) is not None)
        return any(gang and enh for gang, enh in steps.values())

    def decide(self, person, conv, compute):
        convictions = person.convictions
        if not conv.felony:
            return CITY_ATTORNEYS, "Misdemeanor or Infraction", "misdemeanor"
        if not conv.disposition < self.EFFECTIVE:
            return NOT_ELIGIBLE, "Occurred after 11/09/2016", "after-nov-9-2016"
        if conv.section == "11357":
            if conv.code_section.startswith((b"11357(A)", b"11357(B)")):
                return DISMISSAL, "11357(a) or 11357(b)", "11357-a-or-b"
            return HAND_REVIEW, "Other 11357", "other-11357"
        superstrikes = [c for c in convictions if is_superstrike(c.code_section)]
        if (superstrikes or self.has_gang_step(person)) and \
                earliest_date(superstrikes) < conv.disposition:
            return NOT_ELIGIBLE, "PC 667(e)(2)(c)(iv)", "superstrike"
        pc290 = [c for c in convictions if is_pc290(c.code_section)]
        if (pc290 or person.registered) and earliest_date(pc290) < conv.disposition:
            return NOT_ELIGIBLE, "PC 290", "pc290"
        prefix = conv.code_section[0:5]
        priors = [c for c in convictions if c.section and c.disposition < conv.disposition
                  and c.code_section.startswith(prefix)]
        if len(priors) >= 2:
            return NOT_ELIGIBLE, "Two priors", "two-priors"
        if go.add_years(person.dob, self.age) <= compute:
            return DISMISSAL, "%d years or older" % self.age, "age"
        if go.years_between(compute, person.dob) <= 21:
            return DISMISSAL, "21 years or younger", "21-or-younger"
        completed = not any(c.sentence_end_after(compute) for c in convictions)
        if all(c.section for c in convictions) and completed:
            return (DISMISSAL, "Only has 11357-60 charges and completed sentence",
                    "only-prop64-completed")
        cutoff = go.add_years(compute, -self.years_free)
        if not any(c.disposition > cutoff for c in convictions):
            return (DISMISSAL, "No convictions in past %d years" % self.years_free,
                    "conviction-free")
        if not completed:
            return HAND_REVIEW, "Currently serving sentence", "serving-sentence"
        if person.deceased:
            return DISMISSAL, "Deceased", "deceased"
        return HAND_REVIEW, "No applicable eligibility criteria", "no-criteria"


# ---------------------------------------------------------------- columns


def possible_other_p64(fields):
    """§8, filled on every row."""
    offense, comment = fields[COL["OFFENSE_DESCR"]], fields[COL["COMMENT_TEXT"]]
    if charge_in_comment(offense):
        return b""
    comment_section = prop64_section(comment)
    if not comment_section:
        return b""
    offense_section = prop64_section(offense)
    if offense_section is None or offense_section != comment_section:
        return comment
    if offense_section == "11357":
        o_sub, c_sub = subsection_11357(offense), subsection_11357(comment)
        if o_sub and c_sub:
            o_ab, c_ab = o_sub in b"AB", c_sub in b"AB"
            return comment if o_ab != c_ab else b""
        if c_sub:
            return comment
    return b""


def result_columns(person, conv, compute, decision):
    superstrikes = [c.code_section for c in person.convictions if is_superstrike(c.code_section)]
    pc290 = [c.code_section for c in person.convictions if is_pc290(c.code_section)]
    by_section = {s: 0 for s in ("11357", "11358", "11359", "11360")}
    for c in person.convictions:
        if c.section:
            by_section[c.section] += 1
    latest = person.latest_disposition()
    effective = go.days_from_civil(2016, 11, 9)
    cols = [
        b"; ".join(person.case_numbers.get(conv.count_order[0:6], [])),
        str(len(person.convictions)).encode(),
        b"",  # Possible Other P64 Charges: filled by the caller for every row
        b"Y" if conv.disposition > effective else b"N",
        b";".join(superstrikes) if superstrikes else b"-",
        b";".join(pc290) if pc290 else b"-",
        b"Yes" if person.registered else b"-",
        go.format_mmddyyyy(conv.disposition).encode(),
        b"-1.0" if conv.disposition == go.ZERO_DAY else go.years_since(compute, conv.disposition).encode(),
        b"-1.0" if latest == go.ZERO_DAY else go.years_since(compute, latest).encode(),
        str(sum(by_section.values())).encode(),
    ] + [str(by_section[s]).encode() for s in ("11357", "11358", "11359", "11360")] + [
        b"Deceased" if person.deceased else b"-",
        decision[0].encode(),
        decision[1].encode(),
    ]
    assert len(cols) == len(RESULT_COLUMNS)
    return cols


# ---------------------------------------------------------------- one file


class InputError(Exception):
    pass


def read_doj_file(path):
    """Returns [(line, fields)] of data rows; raises InputError."""
    with open(path, "rb") as f:
        data = f.read()
    first_line = 1
    if data.startswith(b"RECORD_ID"):
        newline = data.find(b"\n")
        data = b"" if newline < 0 else data[newline + 1:]
        first_line = 2
    try:
        return list(go.GoCsvReader(data, 95, first_line).records())
    except go.CsvError as e:
        raise InputError("%s:%d: %s" % (path, e.line, e.message))


class FileResult:
    """Per-file evaluation: row results and the file's summary figures."""

    def __init__(self, rows, county, compute, flow):
        self.rows = rows
        people = {}
        for index, (_, fields) in enumerate(rows):
            sid = fields[COL["SUBJECT_ID"]]
            if sid not in people:
                people[sid] = Person(fields)
            people[sid].push(index, fields)
        self.people = list(people.values())
        self.results = {}        # row index -> (columns, decision)
        self.rules = {}          # row index -> rule id (--trace)
        self.dismiss_all = {}    # row index -> decision, "Dismiss all Prop 64"
        for person in self.people:
            for conv in person.convictions:
                if conv.county != county or not conv.section:
                    continue
                determination, reason, rule = flow.decide(person, conv, compute)
                decision = (determination, reason)
                self.rules[conv.index] = rule
                self.results[conv.index] = (result_columns(person, conv, compute, decision), decision)
                self.dismiss_all[conv.index] = (DISMISSAL, "Dismiss all Prop 64 charges")
        self.summary = self._summary(county, compute, flow)

    def _relief_counts(self, decisions, compute):
        seven_years_ago = go.add_years(compute, -7)

        def decided(conv, wanted):
            d = decisions.get(conv.index)
            return d is not None and d[0] in wanted

        def full_relief(keep, wanted):
            total = 0
            for p in self.people:
                chosen = [c for c in p.convictions if keep(c)]
                if chosen and all(decided(c, wanted) for c in chosen):
                    total += 1
            return total

        return {
            "CountSubjectsNoConviction": full_relief(lambda c: True, (DISMISSAL,)),
            "CountSubjectsNoConvictionLast7Years": full_relief(
                lambda c: c.disposition > seven_years_ago, (DISMISSAL,)),
            "CountSubjectsNoFelony": full_relief(lambda c: c.felony, (DISMISSAL, REDUCTION)),
        }

    def _summary(self, county, compute, flow):
        in_county = [(p, c) for p in self.people for c in p.convictions
                     if c.county == county and c.section]
        decisions = {i: d for i, (_, d) in self.results.items()}
        by_section, by_reason = {}, {}
        for _, c in in_county:
            by_section[c.section] = by_section.get(c.section, 0) + 1
            d = decisions[c.index]
            by_reason[d] = by_reason.get(d, 0) + 1
        additional = {}
        for (det, reason), n in by_reason.items():
            if det == DISMISSAL and not reason.startswith("Dismiss all HS") \
                    and not reason.startswith("Misdemeanor or Infraction"):
                additional[reason] = n
        earliest = min((c.disposition for _, c in in_county), default=None)
        return {
            "county": county.decode(),
            "earliest": earliest,  # None: wall clock
            "lineCount": len(self.rows),
            "reliefWithCurrentEligibilityChoices": self._relief_counts(decisions, compute),
            "reliefWithDismissAllProp64": self._relief_counts(self.dismiss_all, compute),
            "prop64ConvictionsCountInCountyByCodeSection": by_section,
            "subjectsWithProp64ConvictionCountInCounty": len({id(p) for p, _ in in_county}),
            "prop64FelonyConvictionsCountInCounty": sum(1 for _, c in in_county if c.felony),
            "prop64NonFelonyConvictionsCountInCounty": sum(1 for _, c in in_county if not c.felony),
            "subjectsWithSomeReliefCount": sum(
                1 for p in self.people
                if any(decisions.get(c.index, ("",))[0] in (DISMISSAL, REDUCTION)
                       for c in p.convictions)),
            "convictionDismissalCountByCodeSection": {
                s: by_reason.get((DISMISSAL, "Dismiss all HS %s convictions" % s), 0)
                for s in flow.dismiss},
            "convictionReductionCountByCodeSection": {
                s: by_reason.get((REDUCTION, "Reduce all HS %s convictions" % s), 0)
                for s in flow.reduce},
            "convictionDismissalCountByAdditionalRelief": additional,
        }

    def write(self, full_path, condensed_path, prop64_path, trace=False):
        rule_column = [b"Rule"] if trace else []
        header_full = [n.encode() for n in DOJ_COLUMNS + RESULT_COLUMNS] + rule_column
        header_condensed = [n.encode() for n in CONDENSED_COLUMNS + RESULT_COLUMNS] + rule_column
        condensed_idx = [COL[n] for n in CONDENSED_COLUMNS]
        full = [go.go_csv_line(header_full)]
        condensed = [go.go_csv_line(header_condensed)]
        prop64 = [go.go_csv_line(header_full)]
        for index, (_, fields) in enumerate(self.rows):
            result = self.results.get(index)
            cols = list(result[0]) if result else [b""] * len(RESULT_COLUMNS)
            cols[POSSIBLE_OTHER_COLUMN] = possible_other_p64(fields)
            if trace:
                cols.append((self.rules.get(index) or "").encode())
            full.append(go.go_csv_line(fields + cols))
            condensed.append(go.go_csv_line([fields[i] for i in condensed_idx] + cols))
            if result:
                prop64.append(go.go_csv_line(fields + cols))
        for path, lines in ((full_path, full), (condensed_path, condensed), (prop64_path, prop64)):
            with open(path, "wb") as f:
                f.write(b"".join(lines))


# ---------------------------------------------------------------- run


def merge_summaries(run, file_summary):
    if run is None:
        return dict(file_summary)
    merged = dict(file_summary)
    for key in ("lineCount", "subjectsWithProp64ConvictionCountInCounty",
                "prop64FelonyConvictionsCountInCounty",
                "prop64NonFelonyConvictionsCountInCounty", "subjectsWithSomeReliefCount"):
        merged[key] = run[key] + file_summary[key]
    for key in ("reliefWithCurrentEligibilityChoices", "reliefWithDismissAllProp64",
                "prop64ConvictionsCountInCountyByCodeSection",
                "convictionDismissalCountByCodeSection",
                "convictionReductionCountByCodeSection",
                "convictionDismissalCountByAdditionalRelief"):
        m = dict(run[key])
        for k, v in file_summary[key].items():
            m[k] = m.get(k, 0) + v
        merged[key] = m
    # Go's findEarliest(run, file): the running date stays only if it is
    # known (not the zero time) and before the file's.  None stands for the
    # wall clock (a file without in-county Prop 64 convictions): "now" lies
    # after every date up to today and before every later one.
    now = go.days_from_civil(*datetime.datetime.now(datetime.timezone.utc).timetuple()[:3]) + 0.5

    def instant(day):
        return now if day is None else day

    prev, cur = run["earliest"], file_summary["earliest"]
    if prev != go.ZERO_DAY and instant(prev) < instant(cur):
        merged["earliest"] = prev
    else:
        merged["earliest"] = cur
    return merged


SUMMARY_KEYS = [
    "county", "earliestConviction", "lineCount", "processingTimeInSeconds",
    "reliefWithCurrentEligibilityChoices", "reliefWithDismissAllProp64",
    "prop64ConvictionsCountInCountyByCodeSection",
    "subjectsWithProp64ConvictionCountInCounty",
    "prop64FelonyConvictionsCountInCounty", "prop64NonFelonyConvictionsCountInCounty",
    "subjectsWithSomeReliefCount", "convictionDismissalCountByCodeSection",
    "convictionReductionCountByCodeSection", "convictionDismissalCountByAdditionalRelief",
]


def summary_json(summary, seconds):
    out = {}
    for key in SUMMARY_KEYS:
        if key == "earliestConviction":
            e = summary["earliest"]
            out[key] = (go.format_rfc3339_midnight(e) if e is not None else
                        datetime.datetime.now(datetime.timezone.utc).strftime(
                            "%Y-%m-%dT%H:%M:%S.%fZ"))
        elif key == "processingTimeInSeconds":
            out[key] = seconds
        elif isinstance(summary[key], dict):
            out[key] = dict(sorted(summary[key].items()))
        else:
            out[key] = summary[key]
    return json.dumps(out, separators=(",", ":"))


def output_name(base, index, total, suffix):
    name = base
    if total > 1:
        name += "_%d" % index
    if suffix:
        name += "_" + suffix
    return name


def parse_compute_at(text):
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= go.days_in_month(y, mo):
        return None
    return go.days_from_civil(y, mo, d)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--input-doj", required=True)
    ap.add_argument("--county", required=True)
    ap.add_argument("--compute-at", required=True)
    ap.add_argument("--eligibility-options",
                    help="options JSON (§6.1); required by the configurable flow")
    ap.add_argument("--flow", default="configurable", choices=["configurable", "los-angeles"])
    ap.add_argument("--individual-age", type=int, default=50,
                    help="los-angeles flow: age that dismisses")
    ap.add_argument("--years-conviction-free", type=int, default=10,
                    help="los-angeles flow: conviction-free years")
    ap.add_argument("--trace", action="store_true",
                    help="add a Rule column (rule ids of the los-angeles flow)")
    ap.add_argument("--outputs", required=True)
    ap.add_argument("--file-name-suffix", default="")
    ap.add_argument("--summary-name", default="summary",
                    help="summary base name (gogen for the drop-in naming)")
    args = ap.parse_args(argv)
    started = time.time()

    compute = parse_compute_at(args.compute_at)
    if compute is None:
        print("invalid --compute-at date: %r" % args.compute_at, file=sys.stderr)
        return 1
    if args.flow == "los-angeles":
        flow = LosAngelesFlow(args.individual_age, args.years_conviction_free)
    else:
        if not args.eligibility_options:
            print("--eligibility-options is required by the configurable flow", file=sys.stderr)
            return 1
        try:
            with open(args.eligibility_options, "rb") as f:
                flow = ConfigurableFlow(Options(json.loads(f.read())))
        except (OSError, ValueError, OptionsError) as e:
            print("eligibility options: %s" % e, file=sys.stderr)
            return 1

    county = args.county.encode()
    inputs = args.input_doj.split(",")
    results = []
    for path in inputs:
        try:
            rows = read_doj_file(path)
        except InputError as e:
            print(str(e), file=sys.stderr)
            return 2
        except OSError as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            return 3
        results.append(FileResult(rows, county, compute, flow))

    os.makedirs(args.outputs, exist_ok=True)
    run_summary = None
    for i, result in enumerate(results, 1):
        def name(base):
            return os.path.join(args.outputs, output_name(base, i, len(inputs),
                                                          args.file_name_suffix) + ".csv")
        result.write(name("All_Results"), name("All_Results_Condensed"), name("Prop64_Results"),
                     trace=args.trace)
        run_summary = merge_summaries(run_summary, result.summary)
    summary_path = os.path.join(args.outputs, output_name(
        args.summary_name, 1, 1, args.file_name_suffix) + ".json")
    with open(summary_path, "w") as f:
        f.write(summary_json(run_summary, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
