#!/bin/sh
# An approval-style custom-task runner speaking podsim's CustomRun protocol
# (docs/customrun.md). Needs jq.
#   param decision: approve | reject | wait (wait: until cancelled)
#   param approver: reported back as result `approver`
# It does not support spec.timeout: register it with `unsupported: [timeout]`.
set -u
read -r run
decision=$(printf '%s' "$run" | jq -r '.spec.params[]? | select(.name=="decision") | .value')
approver=$(printf '%s' "$run" | jq -r '.spec.params[]? | select(.name=="approver") | .value')
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
start=$(now)
report() { # status reason message [results-json]
  printf '{"status":{"startTime":"%s","conditions":[{"type":"Succeeded","status":"%s","reason":"%s","message":"%s"}],"results":%s}}\n' \
    "$start" "$1" "$2" "$3" "${4:-[]}"
}
cancelled() {
  msg=$(printf '%s' "$1" | jq -r '.spec.statusMessage // ""')
  report False CustomRunCancelled "$msg"
  exit 0
}
trap '' TERM
report Unknown Running "waiting for a decision"
case "$decision" in
  approve) report True Approved "approved by $approver" "[{\"name\":\"approver\",\"value\":\"$approver\"}]" ;;
  reject) report False Rejected "rejected by $approver" ;;
  *) # wait for the cancellation line on stdin
     while read -r update; do
       if [ "$(printf '%s' "$update" | jq -r '.spec.status // ""')" = RunCancelled ]; then
         cancelled "$update"
       fi
     done ;;
esac
