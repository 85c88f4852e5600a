"""Idempotent creates: a ministry system that retries a POST after a timeout
must never create a duplicate (Idempotency-Key, DESIGN §4)."""

import json
import threading
import unittest
import uuid

from probity_harness import ProbityTestCase, sql_literal


class Idempotency(ProbityTestCase):

    def post_keyed(self, body, key, entity="organizations", raw=None):
        headers = {"Idempotency-Key": key}
        if raw is not None:
            return self.request("POST", "/v1/" + entity, raw=raw, headers=headers)
        return self.post("/v1/" + entity, body, headers=headers)

    def count(self, entity_table, column, value):
        return int(self.db.scalar(f"SELECT count(*) FROM {entity_table} WHERE {column} = {sql_literal(value)}"))

    def test_retry_replays_the_first_answer(self):
        key = str(uuid.uuid4())
        body = self.org_body(code="IDEM-" + key[:8])
        first = self.post_keyed(body, key)
        self.assertEqual(first.status, 201, first)
        self.assertNotIn("idempotent-replayed", first.headers)
        with self.unchanged():
            again = self.post_keyed(body, key)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(again.json["id"], first.json["id"])
        self.assertEqual(again.headers["location"], first.headers["location"])
        self.assertEqual(again.headers["etag"], first.headers["etag"])
        self.assertEqual(self.count("organizations", "code", body["code"]), 1)

    def test_same_key_other_body_is_refused(self):
        key = str(uuid.uuid4())
        first = self.post_keyed(self.org_body(), key)
        self.assertEqual(first.status, 201, first)
        with self.unchanged():
            other = self.post_keyed(self.org_body(name="Another name"), key)
        self.assert_field_error(other, "Idempotency-Key", "idempotency_key_reused")

    def test_same_key_same_body_other_entity_is_refused(self):
        key = str(uuid.uuid4())
        cal = {"jurisdiction": self.new_jurisdiction(), "name": "Calendar"}
        self.assertEqual(self.post_keyed(cal, key, "calendars").status, 201)
        with self.unchanged():
            r = self.post_keyed(cal, key, "organizations")
        self.assertEqual(r.status, 422, r)

    def test_body_bytes_are_compared(self):
        """A retry sends the same bytes; a re-serialised body is another request."""
        key = str(uuid.uuid4())
        body = self.org_body()
        compact = json.dumps(body, separators=(",", ":")).encode()
        spaced = json.dumps(body, indent=1).encode()
        self.assertEqual(self.post_keyed(None, key, raw=compact).status, 201)
        self.assertEqual(self.post_keyed(None, key, raw=compact).status, 201)
        with self.unchanged():
            self.assert_field_error(self.post_keyed(None, key, raw=spaced),
                                    "Idempotency-Key", "idempotency_key_reused")

    def test_concurrent_retries_create_one(self):
        key = str(uuid.uuid4())
        body = self.org_body(code="RACE-" + key[:8])
        n = 12
        barrier = threading.Barrier(n)
        results = [None] * n

        def run(i):
            barrier.wait()
            results[i] = self.post_keyed(body, key)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertTrue(all(r is not None and r.status == 201 for r in results), results)
        self.assertEqual(len({r.json["id"] for r in results}), 1, results)
        self.assertEqual(sum(1 for r in results if r.headers.get("idempotent-replayed") == "true"), n - 1)
        self.assertEqual(self.count("organizations", "code", body["code"]), 1)

    def test_failed_first_attempt_reserves_nothing(self):
        key = str(uuid.uuid4())
        taken = self.create_org(code="TAKEN-" + key[:8])
        with self.unchanged():
            dup = self.post_keyed(self.org_body(code=taken["code"]), key)
        self.assertEqual(dup.status, 409, dup)
        ok = self.post_keyed(self.org_body(code="FREE-" + key[:8]), key)
        self.assertEqual(ok.status, 201, ok)
        self.assertNotIn("idempotent-replayed", ok.headers)

    def test_keys_expire_after_a_day(self):
        key = str(uuid.uuid4())
        body = self.org_body()
        first = self.post_keyed(body, key)
        self.assertEqual(first.status, 201)
        self.db.query(f"UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
                      f"WHERE key = {sql_literal(key)}")
        later = self.post_keyed(body, key)
        self.assertEqual(later.status, 201, later)
        self.assertNotIn("idempotent-replayed", later.headers)
        self.assertNotEqual(later.json["id"], first.json["id"])

    def test_malformed_key(self):
        for key in ["", "x" * 256, "with space", "ключ"]:
            with self.subTest(key=key[:20]), self.unchanged():
                r = self.request("POST", "/v1/organizations", raw=json.dumps(self.org_body()).encode(),
                                 headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")})
                self.assert_field_error(r, "Idempotency-Key", "format")

    def test_without_a_key_each_post_creates(self):
        body = self.org_body()
        a, b = self.post("/v1/organizations", body), self.post("/v1/organizations", body)
        self.assertEqual((a.status, b.status), (201, 201))
        self.assertNotEqual(a.json["id"], b.json["id"])


if __name__ == "__main__":
    unittest.main()
