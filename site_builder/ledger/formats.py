"""Reading export files: bytes -> envelope + raw records, for every format version ever written.

READERS maps a format version to the function that reads it; a new version adds an entry and keeps
the old ones, so files written by any app ever released stay readable. A file that cannot be read at
all raises Unreadable with a Chinese reason for the secretary (the file is then quarantined).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Callable

import fastjsonschema
import jsonschema

from site_builder.ledger import messages

FORMAT = "sansong-records"
MAX_BYTES = 20 * 1024 * 1024


class Unreadable(Exception):
    """The file cannot be read as an export file; str() is the Chinese reason."""


@dataclass
class Export:
    """One readable export file: its envelope and its records, each still to be validated."""

    version: int
    exported_at: str | None
    device: str | None
    records: list = field(default_factory=list)
    validate_record: Callable[[object], list[str]] = lambda record: []
    line_offset: int | None = None  # CSV: records[i] is on line i + line_offset; JSON: None

    def where(self, position: int) -> str:
        if self.line_offset is None:
            return f"第 {position + 1} 条记录"
        return f"第 {position + self.line_offset} 行"


@cache
def schema(version: int) -> dict:
    text = resources.files("site_builder.ledger").joinpath(f"schemas/sansong-records-{version}.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validators(version: int) -> tuple[jsonschema.Draft202012Validator, jsonschema.Draft202012Validator]:
    whole = schema(version)
    record = {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": "#/$defs/record"}
    return jsonschema.Draft202012Validator(whole), jsonschema.Draft202012Validator(record)


def _schema_reasons(validator: jsonschema.Draft202012Validator, value: object) -> list[str]:
    errors = sorted(validator.iter_errors(value), key=lambda e: (list(e.absolute_path), e.validator))
    return [messages.schema_error(e) for e in errors]


@cache
def _compiled(version: int) -> Callable[[object], None]:
    """The record schema compiled to Python (fastjsonschema): raises on the records it rejects.

    It is at least as strict as jsonschema (its patterns' `$` also refuses a trailing newline), never
    more lenient, so a record it accepts is valid; what it rejects is judged again by jsonschema, which
    gives the reasons and has the last word. The record's `allOf` of `if type is T then …` becomes one
    compiled schema per type (the record's fields and the type's), chosen by the record's type: the same
    verdict, without the exceptions fastjsonschema raises inside for every `if` that does not hold, and
    with every `#/$defs/…` reference written out in place."""
    defs = schema(version)["$defs"]
    by_type = _per_type(defs)
    if by_type is None:
        return _compile(defs, {"$ref": "#/$defs/record"})
    validators = {type_: _compile(defs, merged) for type_, merged in by_type.items()}

    def check(value: object) -> None:
        try:
            validate = validators[value["type"]]  # type: ignore[index]
        except (TypeError, KeyError):  # not an object, no type, or an unknown one: jsonschema says why
            raise ValueError("no compiled schema for this record") from None
        validate(value)

    return check


def _compile(defs: dict, root: dict) -> Callable[[object], None]:
    return fastjsonschema.compile(_inline(root, defs), use_default=False, use_formats=False)


MERGEABLE = {"type", "required", "properties", "description"}


def _per_type(defs: dict) -> dict[str, dict] | None:
    """{type: the record's schema and that type's `then` in one}, when the record is an object schema whose
    allOf is only `if {type: const T} (required) then S` and S only adds required fields and properties
    of other names; None otherwise (then the whole record schema is compiled as it is)."""
    record = defs["record"]
    base = {k: v for k, v in record.items() if k != "allOf"}
    if not set(base) <= MERGEABLE or base.get("type") != "object":
        return None
    merged: dict[str, dict] = {}
    for part in record.get("allOf", []):
        condition = part.get("if", {})
        const = condition.get("properties", {}).get("type", {}).get("const")
        then = part.get("then", {})
        if isinstance(then.get("$ref"), str) and len(then) == 1:
            then = defs.get(then["$ref"].removeprefix("#/$defs/"), {})
        if set(part) != {"if", "then"} or condition != {"properties": {"type": {"const": const}}, "required": ["type"]} \
                or not isinstance(const, str) or const in merged or not set(then) <= MERGEABLE - {"type"} \
                or set(then.get("properties", {})) & set(base.get("properties", {})):
            return None
        merged[const] = {"type": "object", "required": base.get("required", []) + then.get("required", []),
                         "properties": {**base.get("properties", {}), **then.get("properties", {})}}
    return merged


def _inline(node: object, defs: dict, depth: int = 0) -> object:
    if depth > 20:
        raise ValueError("schema references nest too deep to be written out")
    if isinstance(node, list):
        return [_inline(item, defs, depth) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
        return _inline(defs[ref.removeprefix("#/$defs/")], defs, depth + 1)
    return {key: _inline(value, defs, depth) for key, value in node.items()}


def record_checker(version: int) -> Callable[[object], list[str]]:
    """Chinese reasons why a record does not match format `version` (empty when it does)."""
    _, record = _validators(version)
    fast = _compiled(version)

    def check(value: object) -> list[str]:
        try:
            fast(value)
        except Exception:  # JsonSchemaValueException (or anything unexpected): jsonschema decides
            return _schema_reasons(record, value)
        return []

    return check


@cache
def _compiled_envelope(version: int) -> Callable[[object], None]:
    """The file's envelope schema compiled (fastjsonschema), like the records': jsonschema only on a reject."""
    whole = schema(version)
    return _compile(whole["$defs"], {k: v for k, v in whole.items() if k not in ("$schema", "$id", "$defs")})


def _envelope_reasons(version: int, document: dict) -> list[str]:
    try:
        _compiled_envelope(version)(document)
    except Exception:  # JsonSchemaValueException (or anything unexpected): jsonschema decides
        return _schema_reasons(_validators(version)[0], document)
    return []


def read_v1(document: dict) -> Export:
    reasons = _envelope_reasons(1, document)
    if reasons:
        raise Unreadable("文件结构不对：" + "；".join(reasons[:3]))
    return Export(1, document["exported_at"], document["device"], document["records"], record_checker(1))


READERS: dict[int, Callable[[dict], Export]] = {1: read_v1}


def decode(data: bytes) -> dict:
    """Bytes -> the file's JSON object, or Unreadable."""
    if len(data) > MAX_BYTES:
        raise Unreadable(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），超过 20 MB 上限，不是手机导出的文件")
    if not data.strip():
        raise Unreadable("空文件，没有任何内容")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("不是 UTF-8 编码的文本（可能是 Word、Excel、图片或被其他软件另存过），无法读取") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        body = text.rstrip()
        if body.lstrip()[:1] in "{[" and error.pos >= len(body) - 6:  # everything before the end parsed: a cut-off file
            raise Unreadable("文件不完整（在结尾处被截断，可能传输中断），请让党员重新导出发送") from None
        raise Unreadable(f"不是 JSON 格式的导出文件（第 {error.lineno} 行第 {error.colno} 列出错）") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Unreadable("不是三送三促导出的记录文件（缺少 \"format\": \"sansong-records\"）")
    return document


def read(data: bytes) -> Export:
    """Bytes of one export file -> Export, or Unreadable with the reason."""
    document = decode(data)
    version = document.get("version")
    if type(version) is not int:
        raise Unreadable("文件结构不对：缺少整数版本号 version")
    reader = READERS.get(version)
    if reader is None:
        known = "、".join(str(v) for v in sorted(READERS))
        raise Unreadable(f"导出格式版本 {version} 无法识别（本程序能读版本 {known}），请升级 site-builder 后再导入")
    return reader(document)
