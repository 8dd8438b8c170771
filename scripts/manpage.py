#!/usr/bin/env python3
"""Writes pxscript's man page (roff, section 1) from the command definitions:
`pxscript --experimental-dump-help` (swift-argument-parser's own description
of every command, option and flag), so the page never drifts from --help.

    scripts/manpage.py PXSCRIPT > pxscript.1
"""
import datetime
import json
import subprocess
import sys


def roff(text):
    """Text safe in roff: backslashes, leading dots and quotes escaped."""
    text = (text or "").replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.splitlines())


def usage(argument):
    names = argument.get("names") or []
    shown = ", ".join(("--" if n["kind"] == "long" else "-") + n["name"] for n in names)
    if argument["kind"] == "positional":
        shown = argument["valueName"].upper()
    elif argument["kind"] == "option":
        shown += " " + argument["valueName"].upper()
    return shown


def command(lines, node, path):
    title = " ".join(path)
    lines.append(f".SH {roff(title.upper())}" if len(path) > 1 else ".SH OPTIONS")
    if len(path) > 1 and node.get("abstract"):
        lines.append(roff(node["abstract"]))
    if node.get("discussion"):
        lines.append(".PP")
        lines.append(roff(node["discussion"]))
    for argument in node.get("arguments", []):
        if not argument.get("shouldDisplay", True) or argument.get("valueName") in ("help", "version"):
            continue
        lines.append(".TP")
        lines.append("\\fB" + roff(usage(argument)) + "\\fR")
        text = argument.get("abstract", "")
        if argument.get("defaultValue"):
            text += f" (default: {argument['defaultValue']})"
        lines.append(roff(text))
    for sub in node.get("subcommands", []):
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            command(lines, sub, path + [sub["commandName"]])


def main():
    dump = json.loads(subprocess.run([sys.argv[1], "--experimental-dump-help"], capture_output=True, text=True, check=True).stdout)
    root = dump["command"]
    version = subprocess.run([sys.argv[1], "--version"], capture_output=True, text=True).stdout.strip()
    today = datetime.date.today().isoformat()
    lines = [
        f'.TH PXSCRIPT 1 "{today}" "pxscript {roff(version)}" "User Commands"',
        ".SH NAME",
        "pxscript \\- " + roff(root.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBpxscript\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
        ".SH COMMANDS",
    ]
    for sub in root.get("subcommands", []):
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            lines += [".TP", "\\fB" + roff(sub["commandName"]) + "\\fR", roff(sub.get("abstract", ""))]
    for sub in root.get("subcommands", []):
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            command(lines, sub, ["pxscript", sub["commandName"]])
    lines += [
        ".SH FILES",
        ".TP", "\\fI~/.config/pxscript/config.toml\\fR", "The session cookie, [notify] targets, defaults (mode 600).",
        ".TP", "\\fI~/.local/state/pxscript/\\fR", "One state file per script and account: sends, the journal, approvals.",
        ".SH SEE ALSO",
        "The documentation in docs/ of the source: getting\\-started.md, cookbook.md, reference.md, watch.md, approvals.md, notifications.md, dashboard.md, install.md.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
