# The AWS CLI's own config parser (Debian's python3-botocore) as a test oracle. Reads a JSON list of config file
# texts on stdin and prints, for each, what botocore makes of it: {"ok": true, "raw": {section: {key: value}},
# "profiles": {name: {key: value}}} or {"ok": false, "line": N or null, "error": "..."} (the line configparser
# names; null for a nested block botocore cannot split). One process for a whole batch: starting Python per
# case would cost more than the tests.
import configparser
import json
import os
import sys
import tempfile

from botocore.configloader import build_profile_map, raw_config_parse


class FirstError(configparser.RawConfigParser):
    """configparser collects unparsable lines and raises at the end, but a duplicate at once: raise at the
    first bad line, so the line is the first problem in the file, as keyless (reading top down) reports."""

    def _handle_error(self, exc, fpname, lineno, line):
        error = configparser.ParsingError(fpname)
        error.append(lineno, repr(line))
        raise error


def failing_line(path):
    try:
        FirstError().read(path, encoding='utf-8')
    except configparser.MissingSectionHeaderError as e:
        return e.lineno
    except configparser.ParsingError as e:
        return e.errors[0][0]
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as e:
        return e.lineno
    return None


out = []
for text in json.load(sys.stdin):
    fd, path = tempfile.mkstemp()
    try:
        with open(fd, 'w', encoding='utf-8', newline='') as f:
            f.write(text)
        try:
            raw = raw_config_parse(path)
            out.append({'ok': True, 'raw': raw, 'profiles': build_profile_map(raw)['profiles']})
        except Exception as e:
            out.append({'ok': False, 'line': failing_line(path), 'error': str(e)})
    finally:
        os.unlink(path)
json.dump(out, sys.stdout)
