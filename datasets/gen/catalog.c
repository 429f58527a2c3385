/*
 * catalog.c — the generator's catalogue: California's 58 counties with their population
 * weights, the offenses a cannabis rap sheet shows (Prop 64 sections in all
 * their spellings, related charges, superstrikes, PC 290 offenses, others),
 * dispositions, names and the DOJ column names. Data only, no logic. */
#include <ctype.h>
#include <string.h>

#include "gen.h"
#include "doj/doj.h"

/* Approximate 2020 census populations; county codes are the 1-based
 * alphabetical positions (LOS ANGELES = 19), as in STP_ORI_CNTY_CODE. */
static const county_entry california_counties[CALIFORNIA_COUNTY_COUNT] = {
    {TEXT("ALAMEDA"), 1682353},      {TEXT("ALPINE"), 1204},
    {TEXT("AMADOR"), 40474},         {TEXT("BUTTE"), 211632},
    {TEXT("CALAVERAS"), 45292},      {TEXT("COLUSA"), 21839},
    {TEXT("CONTRA COSTA"), 1165927}, {TEXT("DEL NORTE"), 27743},
    {TEXT("EL DORADO"), 191185},     {TEXT("FRESNO"), 1008654},
    {TEXT("GLENN"), 28917},          {TEXT("HUMBOLDT"), 136463},
    {TEXT("IMPERIAL"), 179702},      {TEXT("INYO"), 19016},
    {TEXT("KERN"), 909235},          {TEXT("KINGS"), 152486},
    {TEXT("LAKE"), 68163},           {TEXT("LASSEN"), 32730},
    {TEXT("LOS ANGELES"), 10014009}, {TEXT("MADERA"), 156255},
    {TEXT("MARIN"), 262321},         {TEXT("MARIPOSA"), 17131},
    {TEXT("MENDOCINO"), 91601},      {TEXT("MERCED"), 281202},
    {TEXT("MODOC"), 8700},           {TEXT("MONO"), 13195},
    {TEXT("MONTEREY"), 439035},      {TEXT("NAPA"), 138019},
    {TEXT("NEVADA"), 102241},        {TEXT("ORANGE"), 3186989},
    {TEXT("PLACER"), 404739},        {TEXT("PLUMAS"), 19790},
    {TEXT("RIVERSIDE"), 2418185},    {TEXT("SACRAMENTO"), 1585055},
    {TEXT("SAN BENITO"), 64209},     {TEXT("SAN BERNARDINO"), 2181654},
    {TEXT("SAN DIEGO"), 3298634},    {TEXT("SAN FRANCISCO"), 873965},
    {TEXT("SAN JOAQUIN"), 779233},   {TEXT("SAN LUIS OBISPO"), 282424},
    {TEXT("SAN MATEO"), 764442},     {TEXT("SANTA BARBARA"), 448229},
    {TEXT("SANTA CLARA"), 1936259},  {TEXT("SANTA CRUZ"), 270861},
    {TEXT("SHASTA"), 182155},        {TEXT("SIERRA"), 3236},
    {TEXT("SISKIYOU"), 44076},       {TEXT("SOLANO"), 453491},
    {TEXT("SONOMA"), 488863},        {TEXT("STANISLAUS"), 552878},
    {TEXT("SUTTER"), 99633},         {TEXT("TEHAMA"), 65829},
    {TEXT("TRINITY"), 16112},        {TEXT("TULARE"), 473117},
    {TEXT("TUOLUMNE"), 55620},       {TEXT("VENTURA"), 843843},
    {TEXT("YOLO"), 216403},          {TEXT("YUBA"), 81575},
};

#define OFFENSE(descr, code, toc, cls, weight)                                                     \
  { TEXT(descr), TEXT(code), toc, cls, weight }

static const offense_entry offense_table[] = {
    /* Prop 64: every spelling the extracts use. */
    OFFENSE("11357(A) HS-POSSESS MARIJUANA", "32011", 'M', OFFENSE_PROP64, 120),
    OFFENSE("11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS", "32012", 'M', OFFENSE_PROP64, 160),
    OFFENSE("11357(C) HS-POSSESS MARIJUANA ON SCHOOL GROUNDS", "32013", 'M', OFFENSE_PROP64, 30),
    OFFENSE("11357(D) HS-POSSESS MARIJUANA SCHOOL MINOR", "32014", 'M', OFFENSE_PROP64, 8),
    OFFENSE("11357 HS-POSSESS MARIJUANA", "32010", 'F', OFFENSE_PROP64, 90),
    OFFENSE("11357A HS-POSSESS CONCENTRATED CANNABIS", "32011", 'F', OFFENSE_PROP64, 25),
    OFFENSE("11357(C)HS-POSSESS MARIJUANA", "32013", 'M', OFFENSE_PROP64, 6),
    OFFENSE("11358 HS-CULTIVATE MARIJUANA", "32020", 'F', OFFENSE_PROP64, 110),
    OFFENSE("11358(C) HS-CULTIVATE MARIJUANA OVER 6 PLANTS", "32023", 'M', OFFENSE_PROP64, 15),
    OFFENSE("11359 HS-POSSESS MARIJUANA FOR SALE", "32030", 'F', OFFENSE_PROP64, 170),
    OFFENSE("11359(B) HS-POSSESS MARIJUANA FOR SALE", "32032", 'M', OFFENSE_PROP64, 30),
    OFFENSE("11359HS-INTENT SELL CANNABIS", "32030", 'F', OFFENSE_PROP64, 8),
    OFFENSE("11360(A) HS-TRANSPORT/SELL MARIJUANA", "32041", 'F', OFFENSE_PROP64, 140),
    OFFENSE("11360 HS-SELL/FURNISH/ETC MARIJUANA/HASH", "32040", 'F', OFFENSE_PROP64, 60),
    OFFENSE("11360A2 HS-GIVE AWAY MARIJUANA 28.5 GRAMS OR LESS", "32042", 'M', OFFENSE_PROP64, 15),
    OFFENSE("11360(B) HS-GIVE/TRANSPORT 28.5 GRAMS OR LESS", "32043", 'I', OFFENSE_PROP64, 25),
    /* Charges the "Prop 64 and related" flow also clears. */
    OFFENSE("11364 HS-POSSESS UNLAWFUL PARAPHERNALIA", "33064", 'M', OFFENSE_RELATED, 90),
    OFFENSE("11364.1 HS-POSSESS DRUG PARAPHERNALIA", "33065", 'M', OFFENSE_RELATED, 20),
    OFFENSE("647(F) PC-DISORDERLY CONDUCT:INTOXICATED", "13647", 'M', OFFENSE_RELATED, 70),
    OFFENSE("148 PC-OBSTRUCTS/RESISTS PUBLIC OFFICER", "13148", 'M', OFFENSE_RELATED, 60),
    OFFENSE("148(A)(1) PC-OBSTRUCT/ETC PUBLIC OFFICER", "13149", 'M', OFFENSE_RELATED, 40),
    OFFENSE("148.9 PC-FALSE ID TO PEACE OFFICER", "13150", 'M', OFFENSE_RELATED, 20),
    OFFENSE("602 PC-TRESPASSING", "14602", 'M', OFFENSE_RELATED, 40),
    OFFENSE("466 PC-POSSESS BURGLARY TOOLS", "14466", 'M', OFFENSE_RELATED, 10),
    OFFENSE("4060 BP-POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION", "24060", 'M', OFFENSE_RELATED,
            15),
    OFFENSE("4140 BP-POSSESS HYPODERMIC NEEDLE", "24140", 'M', OFFENSE_RELATED, 8),
    OFFENSE("11550(A) HS-UNDER INFLUENCE CONTROLLED SUBSTANCE", "33550", 'M', OFFENSE_RELATED, 40),
    OFFENSE("40508(A) VC-FAIL TO APPEAR:WRITTEN PROMISE", "54050", 'M', OFFENSE_RELATED, 40),
    OFFENSE("1320(B) PC-FAIL TO APPEAR ON FELONY", "11320", 'F', OFFENSE_RELATED, 10),
    /* Superstrikes (PC 667(e)(2)(C)(iv)). */
    OFFENSE("187 PC-MURDER", "10187", 'F', OFFENSE_SUPERSTRIKE, 20),
    OFFENSE("664/187 PC-ATTEMPTED MURDER", "10664", 'F', OFFENSE_SUPERSTRIKE, 25),
    OFFENSE("187(A) PC-MURDER:FIRST DEGREE", "10188", 'F', OFFENSE_SUPERSTRIKE, 10),
    OFFENSE("261(A)(2) PC-RAPE BY FORCE/FEAR/ETC", "10261", 'F', OFFENSE_SUPERSTRIKE, 20),
    OFFENSE("288(A) PC-LEWD OR LASCIV ACTS W/CHILD UNDER 14", "10288", 'F', OFFENSE_SUPERSTRIKE,
            20),
    OFFENSE("220 PC-ASSAULT WITH INTENT TO COMMIT MAYHEM/RAPE", "10220", 'F', OFFENSE_SUPERSTRIKE,
            10),
    OFFENSE("245(D)(3) PC-ASSAULT W/MACHINE GUN ON PEACE OFFICER", "10245", 'F',
            OFFENSE_SUPERSTRIKE, 3),
    OFFENSE("191.5 PC-GROSS VEH MANSLAUGHTER WHILE INTOX", "10191", 'F', OFFENSE_SUPERSTRIKE, 8),
    OFFENSE("269 PC-AGGRAVATED SEXUAL ASSAULT OF CHILD", "10269", 'F', OFFENSE_SUPERSTRIKE, 4),
    OFFENSE("186.22(B)(4) PC-GANG ENHANCEMENT", "10186", 'F', OFFENSE_SUPERSTRIKE, 3),
    /* Offenses that require sex-offender registration (PC 290). */
    OFFENSE("243.4 PC-SEXUAL BATTERY", "10243", 'M', OFFENSE_PC290, 30),
    OFFENSE("243.4(A) PC-SEXUAL BATTERY", "10244", 'F', OFFENSE_PC290, 15),
    OFFENSE("311.11(A) PC-POSSESS/ETC MATTER DEPICTING MINOR", "10311", 'F', OFFENSE_PC290, 20),
    OFFENSE("288 PC-LEWD OR LASCIVIOUS ACTS", "10289", 'F', OFFENSE_PC290, 15),
    OFFENSE("647.6 PC-ANNOY/MOLEST CHILD", "10647", 'M', OFFENSE_PC290, 15),
    OFFENSE("314(1) PC-INDECENT EXPOSURE", "10314", 'M', OFFENSE_PC290, 20),
    OFFENSE("266 PC-ENTICE MINOR FEMALE FOR PROSTITUTION", "10266", 'F', OFFENSE_PC290, 5),
    /* Everything else a rap sheet holds. */
    OFFENSE("459 PC-BURGLARY", "14459", 'F', OFFENSE_OTHER, 70),
    OFFENSE("23152(A) VC-DUI ALCOHOL/DRUGS", "52152", 'M', OFFENSE_OTHER, 110),
    OFFENSE("23152(B) VC-DUI ALCOHOL/0.08 PERCENT", "52153", 'M', OFFENSE_OTHER, 80),
    OFFENSE("10851(A) VC-TAKE VEHICLE W/O OWNER CONSENT", "50851", 'F', OFFENSE_OTHER, 40),
    OFFENSE("503 VC-TAKE CAR W/OUT OWNERS CONSENT", "50503", 'F', OFFENSE_OTHER, 10),
    OFFENSE("484(A) PC-THEFT OF PERSONAL PROPERTY", "14484", 'M', OFFENSE_OTHER, 60),
    OFFENSE("488 PC-PETTY THEFT", "14488", 'M', OFFENSE_OTHER, 50),
    OFFENSE("242 PC-BATTERY", "10242", 'M', OFFENSE_OTHER, 50),
    OFFENSE("245(A)(1) PC-ASSAULT W/DEADLY WEAPON", "10246", 'F', OFFENSE_OTHER, 40),
    OFFENSE("211 PC-ROBBERY", "10211", 'F', OFFENSE_OTHER, 25),
    OFFENSE("273.5(A) PC-INFLICT CORPORAL INJ SPOUSE/COHAB", "10273", 'F', OFFENSE_OTHER, 40),
    OFFENSE("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", "33350", 'F', OFFENSE_OTHER, 60),
    OFFENSE("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", "33377", 'F', OFFENSE_OTHER, 60),
    OFFENSE("11378 HS-POSSESS CONTROLLED SUBSTANCE FOR SALE", "33378", 'F', OFFENSE_OTHER, 20),
    OFFENSE("12500(A) VC-DRIVE WITHOUT LICENSE", "52500", 'M', OFFENSE_OTHER, 50),
    OFFENSE("14601.1(A) VC-DRIVE WHILE LIC SUSPENDED/ETC", "54601", 'M', OFFENSE_OTHER, 50),
    OFFENSE("496(A) PC-RECEIVE/ETC KNOWN STOLEN PROPERTY", "14496", 'F', OFFENSE_OTHER, 30),
    OFFENSE("470(A) PC-FORGERY", "14470", 'F', OFFENSE_OTHER, 10),
    OFFENSE("12020(A) PC-POSSESS/MANUFACTURE/SELL DANGEROUS WEAPON", "12020", 'F', OFFENSE_OTHER,
            10),
    OFFENSE("415 PC-FIGHT/NOISE/OFFENSIVE WORDS", "14415", 'M', OFFENSE_OTHER, 30),
    OFFENSE("594(A) PC-VANDALISM", "14594", 'M', OFFENSE_OTHER, 30),
    OFFENSE("25850(A) PC-CARRY LOADED FIREARM IN PUBLIC", "25850", 'F', OFFENSE_OTHER, 10),
    OFFENSE("1203.2 PC-PROBATION VIOLATION", "11203", 'M', OFFENSE_OTHER, 30),
    /* Not drawn: only written on REGISTRATION steps. */
    OFFENSE("290 PC-REGISTRATION OF SEX OFFENDER", "10290", 'M', OFFENSE_CLASS_COUNT, 0),
};

static const step_kind_entry step_kind_table[STEP_KIND_COUNT] = {
    [STEP_ARREST] = {TEXT("10"), TEXT("ARREST/DETAINED/CITED")},
    [STEP_COURT] = {TEXT("20"), TEXT("COURT ACTION")},
    [STEP_REGISTRATION] = {TEXT("30"), TEXT("REGISTRATION")},
    [STEP_DECEASED] = {TEXT("90"), TEXT("DECEASED")},
    [STEP_PROBATION] = {TEXT("40"), TEXT("PROBATION")},
};

static const disposition_entry disposition_table[DISPOSITION_COUNT] = {
    [DISPOSITION_NONE] = {TEXT(""), 0, TEXT(""), TEXT("")},
    [DISPOSITION_RELEASED] = {TEXT("REL/TOT OTHER JURIS/AUTH"), 0, TEXT(""), TEXT("")},
    [DISPOSITION_DETENTION_ONLY] = {TEXT("DETENTION ONLY"), 0, TEXT(""), TEXT("")},
    [DISPOSITION_CONVICTED_JAIL] = {TEXT("CONVICTED-JAIL"), 1, TEXT("J"), TEXT("JAIL")},
    [DISPOSITION_CONVICTED_PROBATION] = {TEXT("CONVICTED-PROBATION"), 1, TEXT("P"),
                                         TEXT("PROBATION")},
    [DISPOSITION_CONVICTED_PRISON] = {TEXT("CONVICTED-PRISON"), 1, TEXT("S"), TEXT("PRISON")},
    [DISPOSITION_CONVICTED_FINE] = {TEXT("CONVICTED-FINE"), 1, TEXT("F"), TEXT("FINE")},
    [DISPOSITION_DISMISSED] = {TEXT("DISMISSED"), 0, TEXT(""), TEXT("")},
    [DISPOSITION_ACQUITTED] = {TEXT("ACQUITTED"), 0, TEXT(""), TEXT("")},
};

static const text conviction_status_table[CONVICTION_STATUS_COUNT] = {
    TEXT(""),
    TEXT("FELONY"),
    TEXT("MISDEMEANOR"),
    TEXT("INFRACTION"),
};

static const text sentence_unit_code_table[SENTENCE_UNIT_COUNT] = {
    TEXT(""),
    TEXT("D"),
    TEXT("M"),
    TEXT("Y"),
};

static const text sentence_unit_name_table[SENTENCE_UNIT_COUNT] = {
    TEXT(""),
    TEXT("DAYS"),
    TEXT("MONTHS"),
    TEXT("YEARS"),
};

static const text last_name_table[] = {
    TEXT("GARCIA"),    TEXT("HERNANDEZ"), TEXT("LOPEZ"),      TEXT("MARTINEZ"), TEXT("GONZALEZ"),
    TEXT("RODRIGUEZ"), TEXT("SMITH"),     TEXT("JOHNSON"),    TEXT("WILLIAMS"), TEXT("BROWN"),
    TEXT("JONES"),     TEXT("MILLER"),    TEXT("DAVIS"),      TEXT("NGUYEN"),   TEXT("KIM"),
    TEXT("PEREZ"),     TEXT("SANCHEZ"),   TEXT("RAMIREZ"),    TEXT("TORRES"),   TEXT("FLORES"),
    TEXT("RIVERA"),    TEXT("GOMEZ"),     TEXT("DIAZ"),       TEXT("REYES"),    TEXT("MORALES"),
    TEXT("CRUZ"),      TEXT("ORTIZ"),     TEXT("GUTIERREZ"),  TEXT("CHAVEZ"),   TEXT("RAMOS"),
    TEXT("WILSON"),    TEXT("ANDERSON"),  TEXT("TAYLOR"),     TEXT("THOMAS"),   TEXT("MOORE"),
    TEXT("JACKSON"),   TEXT("MARTIN"),    TEXT("LEE"),        TEXT("THOMPSON"), TEXT("WHITE"),
    TEXT("HARRIS"),    TEXT("CLARK"),     TEXT("LEWIS"),      TEXT("ROBINSON"), TEXT("WALKER"),
    TEXT("YOUNG"),     TEXT("ALLEN"),     TEXT("KING"),       TEXT("WRIGHT"),   TEXT("SCOTT"),
    TEXT("TRAN"),      TEXT("PHAM"),      TEXT("WONG"),       TEXT("CHEN"),     TEXT("PATEL"),
    TEXT("VASQUEZ"),   TEXT("CASTILLO"),  TEXT("MENDOZA"),    TEXT("ALVAREZ"),  TEXT("ROMERO"),
    TEXT("O'BRIEN"),   TEXT("MCDONALD"),  TEXT("DE LA CRUZ"), TEXT("VAN DYKE"),
};

static const text first_name_table[] = {
    TEXT("JOSE"),        TEXT("JUAN"),      TEXT("MICHAEL"),   TEXT("DAVID"),   TEXT("JAMES"),
    TEXT("ROBERT"),      TEXT("JOHN"),      TEXT("DANIEL"),    TEXT("CARLOS"),  TEXT("LUIS"),
    TEXT("CHRISTOPHER"), TEXT("ANTHONY"),   TEXT("JESUS"),     TEXT("MIGUEL"),  TEXT("WILLIAM"),
    TEXT("RICHARD"),     TEXT("JOSEPH"),    TEXT("JORGE"),     TEXT("MARIO"),   TEXT("KEVIN"),
    TEXT("BRIAN"),       TEXT("JASON"),     TEXT("ERIC"),      TEXT("STEVEN"),  TEXT("MARK"),
    TEXT("FRANCISCO"),   TEXT("ANTONIO"),   TEXT("RICARDO"),   TEXT("EDWARD"),  TEXT("THOMAS"),
    TEXT("MARIA"),       TEXT("JENNIFER"),  TEXT("JESSICA"),   TEXT("ASHLEY"),  TEXT("SARAH"),
    TEXT("MICHELLE"),    TEXT("ELIZABETH"), TEXT("PATRICIA"),  TEXT("LINDA"),   TEXT("ANA"),
    TEXT("ROSA"),        TEXT("MELISSA"),   TEXT("STEPHANIE"), TEXT("NICOLE"),  TEXT("LAURA"),
    TEXT("TYRONE"),      TEXT("DESHAWN"),   TEXT("MALIK"),     TEXT("TERRELL"), TEXT("ANDRE"),
    TEXT("MINH"),        TEXT("DUC"),       TEXT("WEI"),       TEXT("HYUN"),    TEXT("RAJ"),
    TEXT("CODY"),        TEXT("DUSTIN"),    TEXT("TRAVIS"),    TEXT("SHAWN"),   TEXT("JUSTIN"),
};

static const text race_code_table[] = {
    TEXT("H"), TEXT("W"), TEXT("B"), TEXT("A"), TEXT("O"), TEXT("I"), TEXT("F"),
};

static const text race_name_table[] = {
    TEXT("HISPANIC"), TEXT("WHITE"),           TEXT("BLACK"),    TEXT("OTHER ASIAN"),
    TEXT("OTHER"),    TEXT("AMERICAN INDIAN"), TEXT("FILIPINO"),
};

/* Free-text comments of the kind clerks type, commas and quotes included. */
static const text clean_comment_table[] = {
    TEXT("PLEA NOLO CONTENDERE, CREDIT TIME SERVED"),
    TEXT("FINE PAID, PROBATION TERMINATED EARLY"),
    TEXT("DEF ADVISED, WAIVED TIME"),
    TEXT("CASE TRANSFERRED FROM MUNI CT, SEE DOCKET"),
    TEXT("SUBJ STATED \"NOT MINE\", RELEASED"),
    TEXT("BAIL EXONERATED, FTA CLEARED"),
    TEXT("PC 1000 DIVERSION, COMPLETED"),
    TEXT("COUNTS 2, 3 DISMISSED PER PLEA"),
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

void catalog_init(catalog *out) {
  memset(out, 0, sizeof *out);
  out->counties = california_counties;
  out->offenses = offense_table;
  out->offense_count = COUNT_OF(offense_table);
  for (uint32_t i = 0; i < COUNT_OF(offense_table); i++) {
    int cls = offense_table[i].offense_class;
    if (cls == OFFENSE_CLASS_COUNT) {
      out->registration_offense = i;
      continue;
    }
    out->offenses_by_class[cls][out->class_size[cls]++] = i;
    out->class_weight_total[cls] += offense_table[i].weight;
  }
  out->step_kinds = step_kind_table;
  out->dispositions = disposition_table;
  out->conviction_statuses = conviction_status_table;
  out->sentence_unit_codes = sentence_unit_code_table;
  out->sentence_unit_names = sentence_unit_name_table;
  out->last_names = last_name_table;
  out->last_name_count = COUNT_OF(last_name_table);
  out->first_names = first_name_table;
  out->first_name_count = COUNT_OF(first_name_table);
  out->race_codes = race_code_table;
  out->race_names = race_name_table;
  out->race_count = COUNT_OF(race_code_table);
  out->clean_comments = clean_comment_table;
  out->clean_comment_count = COUNT_OF(clean_comment_table);
  out->column_names = doj_column_names; /* the engine's table: one list of the 95 */
}

int catalog_find_county(const catalog *cat, const char *name, size_t length) {
  for (int i = 0; i < CALIFORNIA_COUNTY_COUNT; i++) {
    const text *candidate = &cat->counties[i].name;
    if (candidate->length != length) continue;
    size_t k = 0;
    while (k < length && (candidate->chars[k] == toupper((unsigned char)name[k]) ||
                          (candidate->chars[k] == ' ' && name[k] == '_')))
      k++;
    if (k == length) return i;
  }
  return -1;
}

uint32_t catalog_draw_offense(const catalog *cat, random_stream *rng, int offense_class) {
  uint32_t ticket = random_below(rng, cat->class_weight_total[offense_class]);
  const uint32_t *members = cat->offenses_by_class[offense_class];
  for (uint32_t i = 0;; i++) {
    uint32_t weight = cat->offenses[members[i]].weight;
    if (ticket < weight || i + 1 == cat->class_size[offense_class]) return members[i];
    ticket -= weight;
  }
}
