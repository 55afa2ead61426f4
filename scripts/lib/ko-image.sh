# Sourced by scripts/upstream-controller and scripts/upstream-entrypoint: an
# image laid out like upstream's ko builds, from one static binary.
#
#   ko_image WHAT BINARY NAME IMAGE FORCE
#
# Builds IMAGE FROM scratch with BINARY at /ko-app/NAME as its ENTRYPOINT,
# labelled $KO_IMAGE_LABEL=<BINARY's sha256>. When the existing IMAGE carries
# that label already (and FORCE is not 1) it only says so. An older image the
# tag moved away from is removed. WHAT prefixes every message (the version).
# Needs podman, and say/die from the caller (die exits 1, naming the step).

readonly KO_IMAGE_LABEL=stepwise.upstream.sha256

ko_image() {
  local what=$1 bin=$2 name=$3 image=$4 force=$5 hash old work
  hash=$(sha256sum "$bin" | cut -d' ' -f1)
  if [ "$force" -ne 1 ] && [ "$(podman image inspect --format "{{index .Labels \"$KO_IMAGE_LABEL\"}}" "$image" 2>/dev/null || true)" = "$hash" ]; then
    say "$what: $image is up to date"
    return
  fi
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  work=$(mktemp -d "${TMPDIR:-/tmp}/ko-image.XXXXXX")
  cp "$bin" "$work/$name"
  # The binary is the ENTRYPOINT, as in upstream's ko-built images.
  printf 'FROM scratch\nCOPY %s /ko-app/%s\nENTRYPOINT ["/ko-app/%s"]\n' "$name" "$name" "$name" >"$work/Containerfile"
  if ! podman build --quiet --pull=never --network=none --layers=false \
      --label "$KO_IMAGE_LABEL=$hash" --tag "$image" -f "$work/Containerfile" "$work" >/dev/null; then
    rm -rf "$work"
    die "$what: podman build of $image failed"
  fi
  rm -rf "$work"
  if [ -n "$old" ] && [ "$old" != "$(podman image inspect --format '{{.Id}}' "$image")" ]; then
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
  say "$what: built $image"
}
