#!/usr/bin/env python3
"""Regenerates the seed corpus fuzz/corpus/webhook/ from the webhook fixtures.

Each seed is "<signature timestamp>\n<body>" (the layout fuzz_entry.h splits):
every fixture of tests/fixtures/zendesk/, cut in half, with integer ids, with
enum values in other cases and with unknown fields, plus hand-made edge cases.
Usage: python3 fuzz/make_corpus.py  (rewrites fuzz/corpus/webhook/)
"""
import os

from corpus_seeds import SeedDir, copy, dump

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOADS = os.path.join(HERE, "..", "tests", "fixtures", "zendesk")
OUT = os.path.join(HERE, "corpus", "webhook")
TS = "2025-03-10T09:22:41Z"
ID_KEYS = ["actor_id", "assignee_id", "brand_id", "form_id", "group_id", "id",
           "organization_id", "requester_id", "submitter_id", "custom_status"]

seeds = SeedDir(OUT, TS)
write = seeds.write
payloads = seeds.seed_fixtures(PAYLOADS)

for stem, p in payloads.items():
    if "detail" not in p or "event" not in p:
        continue
    ints = copy(p)
    for k in ID_KEYS:
        v = ints["detail"].get(k)
        if isinstance(v, str) and v.lstrip("-").isdigit():
            ints["detail"][k] = int(v)
    write(stem + "_int_ids", dump(ints))
    lower = copy(p)
    for k in ("status", "priority", "type"):
        lower["detail"][k] = lower["detail"][k].lower()
    write(stem + "_lower_enums", dump(lower))
    title = copy(p)
    for k in ("status", "priority", "type"):
        title["detail"][k] = title["detail"][k].title()
    write(stem + "_title_enums", dump(title))
    extra = copy(p)
    extra["unknown_top"] = {"a": [1, 2, {"b": None}]}
    extra["detail"]["unknown_detail"] = True
    extra["event"]["unknown_event"] = "x"
    write(stem + "_unknown_fields", dump(extra))

base = payloads["ticket_created"]
na = copy(base)
na["detail"]["subject"] = "Facture erronée — 日本語 😀"
na["detail"]["description"] = "Ünïcödé " * 700
write("non_ascii_subject", dump(na))

trigger = payloads["trigger_body_rendered"]
t2 = copy(trigger)
t2["ticket"]["tags"] = ["billing", "Tier1", "tier1"]
t2["ticket"]["status"] = "On-hold"
t2["ticket"]["assignee_id"] = 500120
t2["ticket"]["id"] = 48213
write("trigger_array_tags", dump(t2))
t3 = copy(trigger)
t3["ticket"]["id"] = "{{ticket.id}}"
write("trigger_unrendered_id", dump(t3))
write("trigger_template", open(os.path.join(PAYLOADS, "trigger_body_template.json")).read())


def envelope(kind, event, detail=None):
    return {"type": "zen:event-type:ticket." + kind, "id": "evt-" + kind, "time": TS,
            "subject": "zen:ticket:48213",
            "detail": detail if detail is not None else {"id": "48213", "status": "OPEN"},
            "event": event}


write("followers_changed", dump(envelope("followers_changed", {
    "users_added": ["500120", 500121, {"id": "500122"}], "users_removed": [{"id": 1}]})))
write("custom_field_changed", dump(envelope("custom_field_changed", {
    "current": {"value": "route_billing"}, "previous": {"value": None},
    "custom_field": {"id": "360011", "title": "Route", "type": "tagger"}})))
write("custom_field_multiselect", dump(envelope("custom_field_changed", {
    "current": ["a", "b"], "custom_field": {"id": 360012}})))
write("merged", dump(envelope("merged", {"target_ticket_id": 48999})))
write("soft_deleted_subject_only", dump(envelope("soft_deleted", {}, detail={})))
write("unknown_ticket_type", dump(envelope("teleported", {})))
write("user_event", dump({"type": "zen:event-type:user.created", "id": "u1",
                          "detail": {"id": "6596848315901", "organization_id": "0"}}))
write("no_ticket_id", dump(envelope("created", {}, detail={"status": "NEW"}) | {"subject": "zen:user:1"}))
write("huge_numbers", dump(envelope("created", {}, detail={
    "id": 1e300, "group_id": "99999999999999999999", "assignee_id": -5, "tags": "a b  c"})))
write("deep_nesting", '{"type":"zen:event-type:ticket.custom_field_changed","subject":"zen:ticket:1",'
      '"event":{"current":' + "[" * 500 + "]" * 500 + '}}')
write("deep_value_chain", '{"type":"zen:event-type:ticket.status_changed","subject":"zen:ticket:1",'
      '"event":{"current":' + '{"value":' * 200 + '"x"' + "}" * 200 + '}}')
write("empty", "")
write("array_body", "[1, 2, 3]")
write("string_body", '"zen:event-type:ticket.created"')
write("invalid_utf8", b'{"type":"zen:event-type:ticket.created","id":"\xff\xfe","subject":"zen:ticket:5"}')
write("bad_timestamp", dump(base), first_line="yesterday")
write("no_timestamp", dump(base), first_line="")
