# bash completion for relief and gogen (its drop-in name): subcommands, each
# subcommand's options (as in engine/cli/*.c), and their values: files,
# folders, the 58 county names, the built-in flows. Works with and without
# the bash-completion package's helpers.

_relief_counties='ALAMEDA
ALPINE
AMADOR
BUTTE
CALAVERAS
COLUSA
CONTRA COSTA
DEL NORTE
EL DORADO
FRESNO
GLENN
HUMBOLDT
IMPERIAL
INYO
KERN
KINGS
LAKE
LASSEN
LOS ANGELES
MADERA
MARIN
MARIPOSA
MENDOCINO
MERCED
MODOC
MONO
MONTEREY
NAPA
NEVADA
ORANGE
PLACER
PLUMAS
RIVERSIDE
SACRAMENTO
SAN BENITO
SAN BERNARDINO
SAN DIEGO
SAN FRANCISCO
SAN JOAQUIN
SAN LUIS OBISPO
SAN MATEO
SANTA BARBARA
SANTA CLARA
SANTA CRUZ
SHASTA
SIERRA
SISKIYOU
SOLANO
SONOMA
STANISLAUS
SUTTER
TEHAMA
TRINITY
TULARE
TUOLUMNE
VENTURA
YOLO
YUBA'

# Options that take a value end in '='; the others are flags.
_relief_options() {
  case $1 in
  run)
    echo "--input-doj= --county= --compute-at= --eligibility-options= --outputs=
          --file-name-suffix= --threads= --flow= --individual-age= --years-conviction-free=
          --trace --forms --filer= --office= --review-files --redact --redact-key= --help" ;;
  statewide)
    echo "--inputs= --compute-at= --eligibility-options= --county-policies= --outputs=
          --summary-only --trace --forms --filer= --threads= --memory-limit= --help" ;;
  filings)
    echo "--outputs= --agency= --filer= --help" ;;
  court)
    echo "import status report-doj --outputs= --to= --by= --json --help" ;;
  status)
    echo "--outputs= --cii= --name= --dob= --by= --help" ;;
  explain)
    echo "--input-doj= --subject= --county= --compute-at= --eligibility-options= --flow=
          --individual-age= --years-conviction-free= --show-pii --help" ;;
  review)
    echo "init export import status --outputs= --routing= --force --to= --format= --agency=
          --reviewer= --json --help" ;;
  serve)
    echo "users add passwd disable remove list --listen= --data= --workspace= --tls-cert=
          --tls-key= --threads= --office --session-minutes= --agency= --new-agency --role= --help" ;;
  version) echo "--help" ;;
  esac
}

# Adds to COMPREPLY the words of list (one per line) that start with $cur.
# County names hold spaces: after an opening quote readline replaces the text
# inside it, so words go as they are; otherwise they are backslash-escaped.
_relief_words() {
  local word quote= typed=$cur IFS=$'\n'
  case $typed in \"* | \'*) quote=${typed:0:1} typed=${typed:1} ;; esac
  typed=${typed//\\/}
  for word in $(compgen -W "$1" -- "$typed"); do
    if [[ $quote ]]; then COMPREPLY+=("$word"); else COMPREPLY+=("$(printf '%q' "$word")"); fi
  done
}

_relief_files() { # $1: -f files (and folders), -d folders
  local IFS=$'\n'
  compopt -o filenames 2>/dev/null
  COMPREPLY+=($(compgen "$1" -- "$cur"))
}

_relief() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= cword=$COMP_CWORD
  COMPREPLY=()
  # bash splits --opt=value into '--opt' '=' 'value' (COMP_WORDBREAKS)
  if [[ $cur == = ]]; then
    prev=${COMP_WORDS[cword - 1]} cur=
  elif ((cword > 1)) && [[ ${COMP_WORDS[cword - 1]} == = ]]; then
    prev=${COMP_WORDS[cword - 2]}
  elif [[ $cur == --*=* ]]; then # '=' not a word break here
    prev=${cur%%=*} cur=${cur#*=}
  elif ((cword > 1)); then # --opt value
    prev=${COMP_WORDS[cword - 1]}
    [[ " $(_relief_options "${COMP_WORDS[1]}") " == *" $prev= "* || $prev == -c ]] || prev=
  fi

  if ((cword == 1)); then
    COMPREPLY=($(compgen -W "run statewide explain review filings court status serve version help --help --version" -- "$cur"))
    return
  fi
  case $prev in
  --input-doj | --eligibility-options | --county-policies | --redact-key | --tls-cert | --tls-key | --filer)
    _relief_files -f ;;
  --outputs | --data | --workspace | --to)
    _relief_files -d ;;
  --inputs) # a folder of extracts, or files
    _relief_files -f ;;
  --county | -c)
    _relief_words "$_relief_counties" ;;
  --flow)
    _relief_words $'configurable\nlos-angeles'
    _relief_files -f ;;
  --compute-at | --threads | --file-name-suffix | --individual-age | --years-conviction-free | --subject | --listen)
    ;; # free values
  *)
    local options
    options=$(_relief_options "${COMP_WORDS[1]}")
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    [[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
    ;;
  esac
}

complete -F _relief relief gogen
