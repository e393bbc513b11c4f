# Shared by the conformance runners (validate.sh, runc-bats.sh): the comparison of each file's ok
# count with a baseline results file. Sourced, not run.

# load_baseline FILE: the ok= count of each name in a results file (lines "NAME ok=N ..."; lines
# starting with # are comments) into the associative array base_ok.
declare -A base_ok=()
lower=0
load_baseline() {
  [ -r "$1" ] || { echo "error: cannot read baseline $1" >&2; exit 2; }
  local name okf
  while read -r name okf _; do
    case "$okf" in ok=*) base_ok[$name]=${okf#ok=} ;; esac
  done < <(grep -v '^#' "$1")
}

# report_line LINE NAME OK: prints a file's summary line; when comparing ($compare set), with the
# baseline's count beside it, marked and counted in $lower when ours is below.
report_line() {
  local line=$1 name=$2 ok=$3 b
  if [ -z "$compare" ]; then echo "$line"; return; fi
  b=${base_ok[$name]:-}
  if [ -z "$b" ]; then
    echo "$line   base_ok=?"
  elif [ "$ok" -lt "$b" ]; then
    echo "$line   base_ok=$b   <<< LOWER ($((b - ok)) fewer)"; lower=$((lower + 1))
  else
    echo "$line   base_ok=$b"
  fi
}

# finish: the exit status of a run: 1 when comparing and a file is below the baseline, else 0.
finish() {
  if [ -n "$compare" ]; then
    echo "files below baseline ok count: $lower"
    [ "$lower" -eq 0 ] || exit 1
  fi
  exit 0
}
