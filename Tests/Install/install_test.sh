#!/usr/bin/env bash
# scripts/install into a temporary prefix with the test build (--binary: no
# release build in CI), then what issue 22 asks of it: a dry run of an
# example against the demo studio, the man page, bash completions, and
# --uninstall. Idempotent: installed twice, the same files.
#   Tests/Install/install_test.sh PXSCRIPT
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="$1"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { printf 'FAIL %s\n' "$*"; exit 1; }

scripts/install --prefix "$prefix" --binary "$binary" > "$prefix/.log" || { cat "$prefix/.log"; fail "scripts/install"; }
scripts/install --prefix "$prefix" --binary "$binary" > "$prefix/.log" || fail "installing again"
for file in bin/pxscript share/man/man1/pxscript.1 share/bash-completion/completions/pxscript \
            share/zsh/site-functions/_pxscript share/fish/vendor_completions.d/pxscript.fish; do
  [ -s "$prefix/$file" ] || fail "$file is missing"
done
printf 'ok   installed: binary, man page, completions\n'

"$prefix/bin/pxscript" run examples/followup.lua --sandbox --dry-run > "$prefix/.plan" 2>&1 || { cat "$prefix/.plan"; fail "the installed pxscript runs an example"; }
grep -q "would be sent" "$prefix/.plan" || { cat "$prefix/.plan"; fail "the dry run plans"; }
printf 'ok   the installed binary plans examples/followup.lua against the demo studio\n'

"$prefix/bin/pxscript" --version | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+ \(' || fail "--version says the version and the commit"
printf 'ok   --version: %s\n' "$("$prefix/bin/pxscript" --version)"

if command -v man >/dev/null 2>&1; then
  MANWIDTH=80 man -M "$prefix/share/man" pxscript 2>/dev/null | grep -q "pxscript \- \|pxscript - " || fail "man -M PREFIX/share/man pxscript"
else
  grep -q '^\.TH PXSCRIPT 1' "$prefix/share/man/man1/pxscript.1" || fail "the man page"
fi
grep -q 'pxscript service' "$prefix/share/man/man1/pxscript.1" || fail "the man page covers every command"
printf 'ok   man -M PREFIX/share/man pxscript\n'

bash -c "source '$prefix/share/bash-completion/completions/pxscript' && complete -p pxscript" >/dev/null || fail "bash completions load"
words=$(bash -c "source '$prefix/share/bash-completion/completions/pxscript'; COMP_WORDS=(pxscript da); COMP_CWORD=1; COMP_LINE='pxscript da'; COMP_POINT=11; _pxscript; echo \"\${COMPREPLY[*]}\"" 2>/dev/null || true)
case " $words " in *" dashboard "*) ;; *) fail "bash completes 'pxscript da' to dashboard (got: $words)";; esac
printf 'ok   bash completions load and complete commands\n'

scripts/install --prefix "$prefix" --uninstall > /dev/null
[ ! -e "$prefix/bin/pxscript" ] && [ ! -e "$prefix/share/man/man1/pxscript.1" ] || fail "--uninstall removes what was installed"
printf 'ok   --uninstall\n'
