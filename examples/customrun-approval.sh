#!/bin/sh
# An approval-style custom-task runner speaking podsim's CustomRun protocol
# (docs/customrun.md): the CustomRun arrives as one JSON line on stdin, status
# updates leave as {"status": ...} lines on stdout. Needs jq.
#   param decision: approve | reject | wait (wait: until cancelled)
#   param approver: reported back as result `approver`
# Supports retries (a rejection is retried spec.retries times) and
# cancellation; it does NOT support spec.timeout, so register it with
# `unsupported: [timeout]` (podsim then rejects CustomRuns that set one).
set -u
read -r run || exit 1
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
start=$(now)
retried='[]'
# report STATUS REASON MESSAGE [RESULTS-JSON]
report() {
  jq -nc --arg st "$1" --arg r "$2" --arg m "$3" --argjson res "${4:-[]}" \
    --argjson retried "$retried" --arg start "$start" --arg now "$(now)" '
    {status: {startTime: $start, results: $res, retriesStatus: $retried,
      conditions: [{type: "Succeeded", status: $st, reason: $r, message: $m, lastTransitionTime: $now}]}}
    | if $st != "Unknown" then .status.completionTime = $now else . end'
}
cancel_if_asked() { # $1: a CustomRun line
  if [ "$(printf '%s' "$1" | jq -r '.spec.status // ""')" = RunCancelled ]; then
    report False CustomRunCancelled "$(printf '%s' "$1" | jq -r '.spec.statusMessage // ""')"
    exit 0
  fi
}
# The simulator also sends SIGTERM on cancellation; we act on the stdin line instead.
trap '' TERM
cancel_if_asked "$run"
field() { printf '%s' "$run" | jq -r "$1"; }
decision=$(field '.spec.params[]? | select(.name=="decision") | .value')
approver=$(field '.spec.params[]? | select(.name=="approver") | .value')
retries=$(field '.spec.retries // 0')
try=0
while :; do
  report Unknown Running "waiting for a decision (try $((try + 1)))"
  case "$decision" in
    approve)
      report True Approved "approved by $approver" \
        "$(jq -nc --arg a "$approver" '[{name: "approver", value: $a}]')"
      exit 0 ;;
    reject)
      if [ "$try" -lt "$retries" ]; then
        retried=$(printf '%s' "$retried" | jq -c --arg s "$start" --arg t "$(now)" --arg a "$approver" \
          '. + [{startTime: $s, completionTime: $t, conditions: [{type: "Succeeded", status: "False", reason: "Rejected", message: ("rejected by " + $a)}]}]')
        try=$((try + 1))
        start=$(now)
        continue
      fi
      report False Rejected "rejected by $approver"
      exit 0 ;;
    *)
      while read -r update; do cancel_if_asked "$update"; done
      exit 1 ;;
  esac
done
