#!/usr/bin/env python3
"""tests/cli/cli_options.py - the commands, subcommands and options of the alcove CLI, read
from its C sources (not from its help texts or docs), for tests/cli/options.sh and
tests/cli/completion.sh.

Commands: the {"name", "summary", cmd_x, usage_x} rows of tools/alcove/main.c.  Options:
every string compared with an argument in a parser, strcmp(argv[i] | a | arg, "-x"), plus
the volume parser's strcmp(name, "x") (meaning --x), attributed to a command by the file
(and, in lifecycle.c, the function) they are in.  Prints one line per command:
    COMMAND;subcommands (space separated);options (space separated)
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "alcove")
FILE_CMD = {"add.c": "add", "build.c": "build", "config_check.c": "config", "image.c": "image",
            "image_pack.c": "image", "measure.c": "measure", "package.c": "package",
            "run.c": "run", "instance.c": "run", "volume.c": "volume", "new.c": "new"}
FUNC_CMD = {"cmd_start": "start", "cmd_exec": "exec", "cmd_stop": "stop"}
OPT = re.compile(r'strcmp\((?:argv\[i\]|a|arg), "(-[A-Za-z-]*)"\)')
VOLOPT = re.compile(r'strcmp\(name, "([a-z-]+)"\)')
FUNC = re.compile(r'^(?:static )?(?:int|void|const char \*) \*?(\w+)\(')


def main():
    src = open(os.path.join(SRC, "main.c")).read()
    commands = re.findall(r'\{"([a-z]+)", "[^"]*",', src)
    opts = {c: set() for c in commands}
    subs = {c: [] for c in commands}
    for name in sorted(os.listdir(SRC)):
        if not name.endswith(".c"):
            continue
        func = None
        for line in open(os.path.join(SRC, name)):
            m = FUNC.match(line)
            if m:
                func = m.group(1)
            cmd = FUNC_CMD.get(func) or FILE_CMD.get(name)
            if not cmd:
                continue
            found = OPT.findall(line) + ["--" + v for v in VOLOPT.findall(line)]
            opts[cmd].update(o for o in found if o != "--")
    image = open(os.path.join(SRC, "image.c")).read()
    subs["image"] = re.findall(r'if \(!strcmp\(sub, "([a-z]+)"\)\)', image)
    volume = open(os.path.join(SRC, "volume.c")).read()
    subs["volume"] = re.findall(r'\{"([a-z]+)", volume_\w+\}', volume)
    subs["config"] = re.findall(r'strcmp\(argv\[1\], "([a-z]+)"\)',
                                open(os.path.join(SRC, "config_check.c")).read())
    for c in commands:
        print("%s;%s;%s" % (c, " ".join(subs[c]), " ".join(sorted(opts[c]))))


if __name__ == "__main__":
    sys.exit(main())
