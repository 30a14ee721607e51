"""Reading export files: bytes -> envelope + raw records, for every format version ever written.

READERS maps a format version to the function that reads it; a new version adds an entry and keeps
the old ones, so files written by any app ever released stay readable. A file that cannot be read at
all raises Unreadable with a Chinese reason for the secretary (the file is then quarantined).

Limits (docs/export-format.md, "Limits"): at most MAX_BYTES bytes; JSON nested at most MAX_DEPTH deep (the
app's files nest 4 deep); integers of at most MAX_DIGITS digits; no NaN, Infinity or number too large for
a double (1e999); no control character or lone UTF-16 surrogate in the envelope. Text of records is
checked by text_checked(): free text (TEXT_FIELDS and fields this version does not know) is cleaned
(control characters and lone surrogates become U+FFFD, the record is flagged text_cleaned); in any other
field such a character rejects the record.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Mapping

import fastjsonschema

from site_builder.ledger import messages
from site_builder.safetext import bad_chars, clean, describe, printable, short

if TYPE_CHECKING:  # jsonschema (0.05 s to import) is imported once a record or envelope is refused
    import jsonschema

FORMAT = "sansong-records"
MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64  # nesting of objects and arrays; the app writes at most 4 (file, records, record, consent)
MAX_DIGITS = 32  # digits of an integer (Python refuses to read more than 4,300; the app writes 1)
# Record fields holding free text: control characters and lone surrogates in them are cleaned, not refused.
TEXT_FIELDS = frozenset({"pledge", "skills", "availability", "topic", "text", "action", "outcome", "followup",
                         "pledge_done", "notes"})


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
    checker: tuple[int, bool] | None = None  # validate_record is checker(*this) (workers rebuild it); None: only here

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
    import jsonschema

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
    schema: Any = _inline(root, defs)
    return fastjsonschema.compile(schema, use_default=False, use_formats=False)


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
    fast = _compiled(version)

    def check(value: object) -> list[str]:
        try:
            fast(value)
        except Exception:  # JsonSchemaValueException (or anything unexpected): jsonschema decides
            return _schema_reasons(_validators(version)[1], value)
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
    return Export(1, document["exported_at"], document["device"], document["records"], record_checker(1),
                  checker=(1, False))


READERS: dict[int, Callable[[dict], Export]] = {1: read_v1}


def decode(data: bytes) -> dict:
    """Bytes -> the file's JSON object, or Unreadable."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[dict, bool]:
    """The file's JSON object and whether its text may hold characters a record may not (suspect())."""
    if len(data) > MAX_BYTES:
        raise Unreadable(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），超过 20 MB 上限，不是手机导出的文件")
    if not data.strip():
        raise Unreadable("空文件，没有任何内容")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("不是 UTF-8 编码的文本（可能是 Word、Excel、图片或被其他软件另存过），无法读取") from None
    document = _parse(text)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Unreadable("不是三送三促导出的记录文件（缺少 \"format\": \"sansong-records\"）")
    if _deeper_than(document, MAX_DEPTH):
        raise Unreadable(f"JSON 嵌套超过 {MAX_DEPTH} 层，不是手机导出的文件（手机导出的文件只有 4 层）")
    _check_envelope_text(document)
    return document, suspect(text, data)


class _Literal(ValueError):
    """A number the ledger cannot hold, found while parsing: `literal` as written, `reason` in Chinese."""

    def __init__(self, literal: str, reason: str):
        super().__init__(literal)
        self.literal, self.reason = literal, reason


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_DIGITS:
        raise _Literal(literal, f"整数位数过多（{len(literal.lstrip('-')):,} 位，最多 {MAX_DIGITS} 位）")
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _Literal(literal, f"数字 {short(literal, 20)} 超出范围（太大，无法保存）")
    return value


def _constant(literal: str) -> float:
    raise _Literal(literal, f"含有 {literal}（不是标准 JSON 的数字）")


def _parse(text: str) -> object:
    """json.loads, with every way it can fail turned into Unreadable with a line and column."""
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Literal as literal:
        raise Unreadable(f"{_where_literal(text, literal.literal)}{literal.reason}，不是手机导出的文件") from None
    except RecursionError:
        raise Unreadable(f"JSON 嵌套层数过多（远超 {MAX_DEPTH} 层），不是手机导出的文件") from None
    except json.JSONDecodeError as error:
        body = text.rstrip()
        if body.lstrip()[:1] in "{[" and error.pos >= len(body) - 6:  # everything before the end parsed: a cut-off file
            raise Unreadable("文件不完整（在结尾处被截断，可能传输中断），请让党员重新导出发送") from None
        if error.msg.startswith("Invalid control character") and error.pos < len(text):
            raise Unreadable(f"第 {error.lineno} 行第 {error.colno} 列有不允许的{describe(text[error.pos])}，"
                             "不是手机导出的文件") from None
        raise Unreadable(f"不是 JSON 格式的导出文件（第 {error.lineno} 行第 {error.colno} 列出错）") from None
    except (ValueError, MemoryError) as error:  # anything else the parser refuses
        raise Unreadable(f"无法解析为 JSON（{short(error, 60)}），不是手机导出的文件") from None


def _where_literal(text: str, literal: str) -> str:
    """`第 3 行第 14 列：` where the literal first stands as a value (not inside a string), if found."""
    found = re.search(r"(?<![\w.\"])" + re.escape(literal) + r"(?![\w.])", text)
    if not found:
        return ""
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return f"第 {line} 行第 {column} 列："


def _deeper_than(value: object, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` deep (the file itself is level 1)."""
    if type(value) is not dict and type(value) is not list:
        return False
    level: list = [value]
    for _ in range(limit):  # one comprehension per level (not one per container: 100,000 records are one level)
        level = [item for container in level for item in (container.values() if type(container) is dict else container)
                 if type(item) is dict or type(item) is list]
        if not level:
            return False
    return True


def _check_envelope_text(document: dict) -> None:
    for key, value in document.items():
        if key == "records":
            continue
        found = _bad_anywhere(key) + _bad_anywhere(value)
        if found:
            raise Unreadable(f"文件信息 {printable(key)} 含有{describe(found)}，不是手机导出的文件")


def _bad_anywhere(value: object) -> list[str]:
    """The bad characters (safetext.bad_chars) in value's text and keys, however deep."""
    if isinstance(value, str):
        return bad_chars(value)
    if isinstance(value, dict):
        return [c for key, item in value.items() for c in _bad_anywhere(key) + _bad_anywhere(item)]
    if isinstance(value, list):
        return [c for item in value for c in _bad_anywhere(item)]
    return []


# An escape that decodes to a control character or a surrogate, or a raw DEL or C1 control: only a file
# holding one of these needs the record text check. Searched in three cheap steps (a 30 MB file costs a
# few milliseconds); a backslash escaped before such letters is a harmless false alarm (the check then
# runs and finds nothing).
_ESCAPE = re.compile(r"\\[ubfr]")
_SUSPECT_ESCAPE = re.compile(r"\\(?:u00[0189][0-9a-fA-F]|u007[fF]|u[dD][89a-fA-F][0-9a-fA-F]{2}|[bfr])")


def suspect(text: str, data: bytes | None = None) -> bool:
    """Whether a file's text may hold characters a record's text may not (see above); data: its bytes."""
    if _ESCAPE.search(text) and _SUSPECT_ESCAPE.search(text):
        return True
    data = text.encode("utf-8", "surrogatepass") if data is None else data
    if b"\x7f" in data:
        return True
    at = data.find(b"\xc2")  # U+0080-U+00BF in UTF-8; U+0080-U+009F (C1 controls) are \xc2\x80-\xc2\x9f
    while at != -1:
        if 0x80 <= data[at + 1:at + 2].ljust(1, b"\0")[0] <= 0x9F:
            return True
        at = data.find(b"\xc2", at + 1)
    return False


@cache
def known_fields(version: int) -> frozenset[str]:
    """Every record field format `version` defines (the record's own and each type's)."""
    defs = schema(version)["$defs"]
    names = set(defs["record"].get("properties", {}))
    for part in defs["record"].get("allOf", []):
        then = part.get("then", {})
        if isinstance(then.get("$ref"), str):
            then = defs.get(then["$ref"].removeprefix("#/$defs/"), {})
        names.update(then.get("properties", {}))
    return frozenset(names)


def text_problems(record: object, version: int = 1) -> list[str]:
    """Clean the free text of a record in place; the reasons to reject it for characters elsewhere."""
    if not isinstance(record, dict):
        return []
    known = known_fields(version)
    reasons = []
    for key, value in list(record.items()):
        found = bad_chars(key)
        if found:
            reasons.append(f"字段名 {printable(key)} 含有{describe(found)}")
        elif key in TEXT_FIELDS or key not in known:
            record[key] = _cleaned(value)
        else:
            found = _bad_anywhere(value)
            if found:
                reasons.append(f"{messages.field_name([key])} 含有{describe(found)}（{short(value, 30)}），应为可显示的文字")
    return reasons


def _cleaned(value: object) -> object:
    if isinstance(value, str):
        return clean(value) if bad_chars(value) or "\r" in value else value
    if isinstance(value, dict):
        return {clean(key): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


@cache
def checker(version: int, cleans_text: bool) -> Callable[[object], list[str]]:
    """The record validator of format `version`, cleaning free text first when the file may need it."""
    validate = record_checker(version)
    return text_checked(validate, version) if cleans_text else validate


def text_checked(validate: Callable[[object], list[str]], version: int = 1) -> Callable[[object], list[str]]:
    """validate, after cleaning the record's free text and refusing bad characters elsewhere."""

    def check(record: object) -> list[str]:
        reasons = text_problems(record, version)
        if not reasons:
            return validate(record)
        # the schema's reasons about the same fields would only say again that the value is wrong
        return reasons + [r for r in validate(record) if not any(r.split(" ")[0] in t for t in reasons)]

    return check


SEALED = 2  # format 2: a format-1 document sealed for the organisation department (ledger/seal.py)


def read(data: bytes, keys: Mapping[str, Any] | None = None, sealed_ok: bool = True) -> Export:
    """Bytes of one export file -> Export, or Unreadable with the reason. A sealed file (format 2) is
    opened with one of `keys` (seal.load_private_keys) and must hold a format-1 document."""
    document, suspicious = _decode(data)
    version = document.get("version")
    if type(version) is not int:
        raise Unreadable("文件结构不对：缺少整数版本号 version")
    if version == SEALED and sealed_ok:
        from site_builder.ledger import seal  # seal imports this module

        export = read(seal.open_document(document, keys), sealed_ok=False)
        export.version = SEALED
        return export
    reader = READERS.get(version)
    if reader is None:
        if version == SEALED:
            raise Unreadable("加密文件里面应为版本 1 的记录文件，却又是加密文件，无法读取")
        known = "、".join(str(v) for v in sorted({*READERS, SEALED}))
        raise Unreadable(f"导出格式版本 {version} 无法识别（本程序能读版本 {known}），请升级 site-builder 后再导入")
    export = reader(document)
    if suspicious:
        export.validate_record = text_checked(export.validate_record, version)
        export.checker = (export.checker[0], True) if export.checker else None
    return export
