#!/bin/sh
# Writes the manual pages tierd.1 and tierd-COMMAND.1, gzipped, from the
# CLI's own --help, so the pages say exactly what the program does.
#   make-man-pages.sh TIERD_BINARY OUT_DIR
set -eu
tierd="$1"
out="$2"
mkdir -p "$out"
version="$(env -u TIERD_CONFIG "$tierd" --version | sed 's/^tierd //')"

# The help text of `tierd ARGS --help` as roff: one .TP entry per option (or
# command) line, the footer as its own sections, everything escaped.
help_to_roff() {
  env -u TIERD_CONFIG "$tierd" "$@" --help | awk '
    function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
    function entry(spec, text) {
      print ".TP"; print "\\fB" esc(spec) "\\fR"; if (text != "") print esc(text)
    }
    NR == 1 { next }                                  # the description: NAME says it
    /^Usage:/ { next }                                # SYNOPSIS says it
    /^(Options|Positionals|Subcommands):$/ {
      sub(/:$/, ""); section = $0
      print ".SH " (section == "Subcommands" ? "COMMANDS" : toupper(section)); next
    }
    /^Exit status: / { sub(/^Exit status: /, ""); print ".SH \"EXIT STATUS\""; print esc($0); next }
    /^Environment: / { sub(/^Environment: /, ""); print ".SH ENVIRONMENT"; print esc($0); next }
    /^$/ { next }
    /^                  / { sub(/^ +/, ""); print esc($0); next }   # a long entry'"'"'s text
    /^  / {
      line = substr($0, 3)
      if (match(line, /  +/)) entry(substr(line, 1, RSTART - 1), substr(line, RSTART + RLENGTH))
      else entry(line, "")
      next
    }
    { print esc($0) }'
}

page_header() {  # NAME TITLE DESCRIPTION
  printf '.TH %s 1 "" "tierd %s" "tierd manual"\n' "$(echo "$1" | tr a-z A-Z)" "$version"
  printf '.SH NAME\n%s \\- %s\n' "$(echo "$1" | sed 's/-/\\-/g')" "$(echo "$2" | sed 's/\\/\\e/g; s/-/\\-/g')"
}

commands="$(env -u TIERD_CONFIG "$tierd" --help |
  awk '/^Subcommands:$/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')"

{
  page_header tierd "tiered support for a hosted helpdesk (Zendesk)"
  printf '.SH SYNOPSIS\n\\fBtierd\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.br\n\\fBtierd \\-\\-version\\fR\n'
  printf '.SH DESCRIPTION\n'
  printf 'tierd receives the helpdesk'"'"'s ticket webhooks, keeps a durable handling clock for each ticket\n'
  printf 'in its support tier and moves the ticket to the next tier when the tier'"'"'s time budget is used\n'
  printf 'up, with an internal note saying why. \\fBtierd serve\\fR runs the daemon (as the systemd unit\n'
  printf '\\fItierd.service\\fR); the other commands check, explain and report. Each command has its own\n'
  printf 'page, e.g. \\fBtierd\\-explain\\fR(1), and its own \\fB\\-\\-help\\fR.\n'
  help_to_roff
  printf '.SH FILES\n'
  printf '.TP\n\\fI/etc/tierd/tierd.jsonc\\fR\nthe config (JSON with comments); the schema is /usr/share/tierd/tierd.schema.json\n'
  printf '.TP\n\\fI/etc/tierd/tierd.env\\fR\nthe secrets the config'"'"'s *_env keys name, one VAR=value a line (mode 0600)\n'
  printf '.TP\n\\fI/var/lib/tierd\\fR\nthe SQLite store of the packaged service\n'
  printf '.TP\n\\fI/usr/share/doc/tierd/README.md\\fR\nthe admin guide\n'
  printf '.SH "SEE ALSO"\n'
  first=1
  for c in $commands; do
    [ "$first" = 1 ] || printf ',\n'
    printf '\\fBtierd\\-%s\\fR(1)' "$(echo "$c" | sed 's/-/\\-/g')"
    first=0
  done
  printf '\n'
} > "$out/tierd.1"

for c in $commands; do
  description="$(env -u TIERD_CONFIG "$tierd" "$c" --help | head -1)"
  usage="$(env -u TIERD_CONFIG "$tierd" "$c" --help | sed -n 's/^Usage: //p' | sed 's/\\/\\e/g; s/-/\\-/g')"
  {
    page_header "tierd-$c" "$description"
    printf '.SH SYNOPSIS\n%s\n' "$usage"
    printf '.SH DESCRIPTION\n%s.\n' "$(echo "$description" | sed 's/\\/\\e/g; s/-/\\-/g')"
    help_to_roff "$c"
    printf '.SH "SEE ALSO"\n\\fBtierd\\fR(1)\n'
  } > "$out/tierd-$c.1"
done

# -n: no name or time stamp in the gzip header, so the package is reproducible.
gzip -9nf "$out"/*.1
