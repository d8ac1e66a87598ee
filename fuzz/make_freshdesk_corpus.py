#!/usr/bin/env python3
"""Regenerates the seed corpus fuzz/corpus/freshdesk_webhook/ from the fixtures.

Each seed is "<presented secret>\n<body>" (the layout freshdesk/fuzz_entry.h
splits): every fixture of tests/fixtures/freshdesk/, cut in half, with ids as
numbers and as strings, with enum values in other cases and as codes, with
unknown members, plus hand-made edge cases.
Usage: python3 fuzz/make_freshdesk_corpus.py  (rewrites fuzz/corpus/freshdesk_webhook/)
"""
import os

from corpus_seeds import SeedDir, copy, dump

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOADS = os.path.join(HERE, "..", "tests", "fixtures", "freshdesk")
OUT = os.path.join(HERE, "corpus", "freshdesk_webhook")
SECRET = "tierd-fuzz-secret"
ID_KEYS = ["id", "group_id", "responder_id"]

seeds = SeedDir(OUT, SECRET)
write = seeds.write
bodies = seeds.seed_fixtures(PAYLOADS)

base = bodies["rule_status_changed"]

as_numbers = copy(base)
as_strings = copy(base)
for key in ID_KEYS:
    if as_numbers["ticket"].get(key) not in (None, ""):
        as_numbers["ticket"][key] = int(as_numbers["ticket"][key])
        as_strings["ticket"][key] = str(as_numbers["ticket"][key])
write("ids_as_numbers", dump(as_numbers))
write("ids_as_strings", dump(as_strings))

odd_case = copy(base)
odd_case["ticket"].update({"status": "rEsOlVeD", "priority": "URGENT", "source": "OUTBOUND email"})
write("enum_odd_case", dump(odd_case))
codes = copy(base)
codes["ticket"].update({"status": 5, "priority": "4", "source": 10})
write("enum_codes", dump(codes))
unknown = copy(base)
unknown["extra"] = {"nested": [1, {"deeper": "ünïcödé"}]}
unknown["ticket"]["cf_route"] = "Tier 2"
write("unknown_members", dump(unknown))
tags_array = copy(base)
tags_array["ticket"]["tags"] = ["Ärger", "", " spaced ", "VIP"]
write("tags_array", dump(tags_array))
tags_commas = copy(base)
tags_commas["ticket"]["tags"] = ",,a,,B , c d,"
write("tags_commas", dump(tags_commas))
events = ["{ticket_action:created}", "{status:{from:4,to:6}}", "{note_type:private}",
          "{responder_id:{from:150006383528,to:150014937111}}", "{{{", "}:{", ":", "{a:{from,to}}"]
for i, text in enumerate(events):
    variant = copy(base)
    variant["event"] = text
    write("event_%d" % i, dump(variant))

write("wrong_secret", dump(base), first_line="not the secret")
write("previous_secret", dump(base), first_line="previous-secret")
write("no_secret", dump(base), first_line="")
write("empty", "")
write("array_body", "[1,2,3]")
write("deep_nesting", "[" * 200 + "]" * 200)
write("huge_numbers", '{"source":"freshdesk_rule","ticket":{"id":99999999999999999999,'
      '"group_id":1e300,"responder_id":-1,"status":1e400}}')
write("invalid_utf8", b'{"source":"freshdesk_rule","rule":"\xff\xfe","ticket":{"id":1,'
      b'"group_id":"","responder_id":"","status":"\xc3"}}')
write("other_source", '{"source":"zendesk_trigger","ticket":{"id":"1"}}')
write("template", open(os.path.join(PAYLOADS, "rule_body_template.json"), "rb").read())
