#!/usr/bin/python3
"""Print the ids of the test cases that passed in one `python3 -m test` run of one module.

usage: pyresults.py JUNIT_XML VERBOSE_LOG

A case passed when regrtest's --junit-xml has a named <testcase> for it with no <error>,
<failure> or <skipped> child (expected failures count as passes; a case with a failing
subtest is left unnamed by regrtest and so does not count). If the XML is missing or broken
(the run was killed or crashed), the `-v` log is used instead: "DESC (ID) ... ok" lines, and
the case that was started last and never finished is reported as CRASHED.
Prints "# source: junit|verbose|none" first, then "STATUS<TAB>id<TAB>note" lines, STATUS being
PASS, NOTPASS or CRASHED.
"""
import re
import sys
import xml.etree.ElementTree as ET


def from_junit(path):
    root = ET.parse(path).getroot()
    out = []
    for tc in root.iter('testcase'):
        name = tc.get('name')
        if not name:
            continue
        bad = any(c.tag in ('error', 'failure', 'skipped') for c in tc)
        skipped = any(c.tag == 'skipped' for c in tc)
        out.append(('NOTPASS' if bad else 'PASS', name, 'skipped' if skipped else ''))
    return out


DESC = re.compile(r'^(\w+) \(([\w.]+)\)')


def from_log(path):
    """Results from the -v log; also the case that was started but never finished."""
    out = {}
    last = None
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = DESC.match(line)
            if m:
                last = m.group(2)
            if not last:
                continue
            if ' ... ' in line:
                status = line.rsplit(' ... ', 1)[-1]
            elif line.startswith(('ok', 'FAIL', 'ERROR', 'skipped', 'expected', 'unexpected')):
                status = line
            else:
                continue
            if status in ('ok', 'expected failure'):
                out.setdefault(last, 'PASS')
            elif status.startswith(('FAIL', 'ERROR', 'skipped', 'unexpected success')):
                out[last] = 'NOTPASS'
    crashed = last if last and last not in out else None
    return [(v, k, '') for k, v in out.items()], crashed


def main():
    xml_path, log_path = sys.argv[1], sys.argv[2]
    crashed = None
    try:
        res, src = from_junit(xml_path), 'junit'
    except (OSError, ET.ParseError):
        try:
            res, crashed = from_log(log_path)
            src = 'verbose'
        except OSError:
            res, src = [], 'none'
    print('# source:', src)
    if crashed:
        print(f'CRASHED\t{crashed}\tcrashed/hung')
    for status, name, note in res:
        print(f'{status}\t{name}\t{note}')


main()
