"""Model-driven cases: a valid request for an operation with one member (or the whole body) mutated.

Operations are taken round-robin in an order shuffled by the seed, so every one of the model's operations gets the
same share; for each operation its (member, mutation) pairs and body-level mutations are cycled through in a shuffled
order, so a long enough run tries every pair.
"""

from __future__ import annotations

import random

from .base import Case, Env
from .checks import Expect
from .model import (BODY_MUTATIONS, Builder, Model, body_mutation, dumps, make_mutation, mutations_for,
                    set_at)
from .wire import ExchangeError, sign, kms_request


class JsonPlan:
    def __init__(self, model: Model, seed: int):
        self.model = model
        rng = random.Random(f"{seed}:json-plan")
        self.ops = list(model.operations)
        rng.shuffle(self.ops)
        self.combos: dict[str, list[tuple]] = {}
        for op in model.operations:
            combos = [(leaf.path, m) for leaf in model.leaves(op) for m in mutations_for(leaf)]
            combos += [(None, b) for b in BODY_MUTATIONS]
            rng.shuffle(combos)
            self.combos[op] = combos
        self.count = 0

    def total_combos(self) -> int:
        return sum(len(v) for v in self.combos.values())

    def next(self, index: int, rng: random.Random) -> Case:
        j = self.count
        self.count += 1
        op = self.ops[j % len(self.ops)]
        combos = self.combos[op]
        path, mut = combos[(j // len(self.ops)) % len(combos)]
        params = {"op": op, "mutation": mut}
        if path is not None:
            params["member"] = ".".join(path)
        return Case(index, "json", mut, params, rng)


def _get_at(doc, path):
    node = doc
    for step in path:
        if step == "[]":
            if not isinstance(node, list) or not node:
                return None
            node = node[0]
        elif step in ("{}", "{key}"):
            if not isinstance(node, dict) or not node:
                return None
            k = next(iter(node))
            node = k if step == "{key}" else node[k]
        else:
            if not isinstance(node, dict) or step not in node:
                return None
            node = node[step]
    return node


def build(case: Case, env: Env) -> tuple[bytes, bool | None, str, list[str]]:
    """(body, reject, note, sensitive values) for a JSON case; deterministic in the case's RNG."""
    rng = case.rng
    model: Model = env.model
    builder: Builder = env.builder
    op = case.params["op"]
    sensitive: list[str] = []
    member = case.params.get("member")
    if member is None:
        doc = builder.request(op, rng, sensitive)
        valid_body = dumps(doc)
        has_required = bool(model.input(op).get("required"))
        body, reject, note = body_mutation(case.params["mutation"], valid_body, rng, has_required)
        return body, reject, note, sensitive
    path = tuple(member.split("."))
    leaf = next(l for l in model.leaves(op) if l.path == path)
    doc = builder.request(op, rng, sensitive, force=path)
    valid = _get_at(doc, path)
    if valid is None and path[-1] not in ("{key}",):
        valid = builder.valid(op, path, leaf.shape_name, leaf.shape, rng, sensitive)
        if valid is None:
            valid = "fuzz"
    mut = make_mutation(case.params["mutation"], leaf, valid, rng)
    if leaf.sensitive and isinstance(mut.value, str) and len(mut.value) >= 8:
        sensitive.append(mut.value)
    set_at(doc, path, mut.value, builder, op, rng, sensitive)
    return dumps(doc), mut.reject, mut.note, sensitive


def run(case: Case, env: Env) -> None:
    rec = env.rec
    op = case.params["op"]
    body, reject, note, sensitive = build(case, env)
    case.params["note"] = note
    rec.coverage_ops.add(op)
    if "member" in case.params:
        rec.coverage_leaves.add((op, case.params["member"]))
        rec.coverage_mutations.add((op, case.params["member"], case.params["mutation"]))
    over_limit = len(body) > (1 << 20)
    req = kms_request(env.hostport, op, body)
    sign(req, env.idents["main"], env.region)
    expect = Expect(must_fail="invalid-input-accepted" if reject else None, may_drop=over_limit, sensitive=sensitive)
    timeout = env.big_timeout if len(body) > 100_000 else env.timeout
    try:
        result = env.client.exchange(req, timeout=timeout)
    except ExchangeError as e:
        result = e
    resp = rec.check(case, req, result, expect)
    if resp is not None and reject is None:
        rec.note(f"json/{case.params['mutation']}: {'accepted' if resp.status < 300 else 'rejected'}")
