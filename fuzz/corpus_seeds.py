"""What the corpus scripts share: a seed directory whose files are
"<first line>\n<body>", seeded from a folder of fixtures.

The first line is what each fuzz target's entry splits off before the body
(a signature timestamp for Zendesk, a presented secret for Freshdesk).
"""
import json
import os


def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=1)


def copy(obj):
    return json.loads(json.dumps(obj))


class SeedDir:
    def __init__(self, out, first_line):
        self.out = out
        self.first_line = first_line
        os.makedirs(out, exist_ok=True)
        for old in os.listdir(out):
            os.remove(os.path.join(out, old))

    def write(self, name, body, first_line=None):
        line = self.first_line if first_line is None else first_line
        data = (line + "\n").encode() + (body if isinstance(body, bytes) else body.encode())
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data)

    def seed_fixtures(self, folder):
        """Writes every fixture as it is and cut in half; returns them parsed, by stem."""
        parsed = {}
        for fname in sorted(os.listdir(folder)):
            if not fname.endswith(".json"):
                continue
            raw = open(os.path.join(folder, fname), "rb").read()
            stem = fname[:-5]
            self.write(stem, raw)
            self.write(stem + "_truncated", raw[: len(raw) // 2])
            parsed[stem] = json.loads(raw)
        return parsed
