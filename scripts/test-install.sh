#!/usr/bin/env bash
# make test-install: `make install` into a temporary PREFIX, then, from another directory with
# no source tree in reach, the installed `cellar`: --version, `segment --method unet` on an image
# (the model must be the one built into the binary: same sha256 as Models/), the man page and
# the bash/zsh/fish completions; then `make uninstall` leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PREFIX=$(mktemp -d /tmp/cellar-prefix.XXXXXX)
ELSEWHERE=$(mktemp -d /tmp/cellar-elsewhere.XXXXXX)
trap 'rm -rf "$PREFIX" "$ELSEWHERE"' EXIT
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)

make --no-print-directory install PREFIX="$PREFIX" >"$ELSEWHERE/install.log" 2>&1 \
    || { cat "$ELSEWHERE/install.log" >&2; fail "make install PREFIX=$PREFIX"; }
for f in bin/cellar share/man/man1/cellar.1 share/bash-completion/completions/cellar \
         share/zsh/site-functions/_cellar share/fish/vendor_completions.d/cellar.fish; do
    [ -s "$PREFIX/$f" ] || fail "make install did not write $PREFIX/$f"
done

cp Tests/Corpus/dsb_u2os_dev/images/07fb37aafa6626608af90c1e18f6a743f29b6b233d2e427dcd1102df6a916cf5.png "$ELSEWHERE/field.png"
cd "$ELSEWHERE"
"$PREFIX/bin/cellar" --version >/dev/null || fail "cellar --version"
# No CELLAR_UNET_MODEL, no Models/ here: the model must come from the binary.
out=$(env -u CELLAR_UNET_MODEL "$PREFIX/bin/cellar" segment --method unet field.png --labels-out labels 2>&1) \
    || fail "installed cellar segment --method unet: $out"
sha=$(sha256sum "$ROOT/Models/cellar-unet.safetensors" | cut -d' ' -f1)
grep -q "U-Net built in sha256 $sha" <<<"$out" || fail "not the built-in model with Models/'s sha256 $sha: $out"
labels=$(ls labels)
[ -n "$labels" ] || fail "no label image written: $out"
echo "  installed cellar from $ELSEWHERE: $(grep -m1 "^U-Net" <<<"$out"); $(tail -n 1 <<<"$out")"
grep -q "_cellar" "$PREFIX/share/zsh/site-functions/_cellar" || fail "zsh completion"
grep -q "complete" "$PREFIX/share/bash-completion/completions/cellar" || fail "bash completion"
grep -q "complete -c 'cellar'.*ingest" "$PREFIX/share/fish/vendor_completions.d/cellar.fish" || fail "fish completion"
grep -q "cellar" "$PREFIX/share/man/man1/cellar.1" || fail "man page"
if command -v man >/dev/null; then
    # One page for every subcommand: the options of `cellar ingest` are in it.
    man -l "$PREFIX/share/man/man1/cellar.1" 2>/dev/null | grep -q -- "--dna-channel" || fail "man page lacks cellar ingest's options"
fi
bash -c "source '$PREFIX/share/bash-completion/completions/cellar'" || fail "bash completion does not load"

cd "$ROOT"
make --no-print-directory uninstall PREFIX="$PREFIX" >/dev/null
left=$(find "$PREFIX" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "test-install: install, unet segmentation from another directory, man page, completions, uninstall: ok ($(( $(date +%s) - t0 )) s)"
