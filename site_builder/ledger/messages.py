"""Chinese wording of validation problems, for the community secretary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from site_builder.safetext import printable

if TYPE_CHECKING:
    import jsonschema

FIELD_NAMES = {
    "id": "记录编号 id", "type": "记录类型 type", "schema": "记录版本 schema", "created_at": "记录时间 created_at",
    "card": "报到卡号 card", "replaces": "更正对象 replaces", "name": "姓名 name", "department": "单位 department",
    "branch": "党支部 branch", "community": "社区 community", "consent": "同意公开 consent", "posts": "岗位 posts",
    "pledge": "服务承诺 pledge", "activity": "活动 activity", "code": "签到码 code", "checked_in_at": "签到时间",
    "checked_out_at": "签退时间", "date": "日期 date", "topic": "主题 topic", "text": "内容 text",
    "period": "测评期 period", "grade": "测评等次 grade", "format": "格式 format", "version": "版本 version",
    "exported_at": "导出时间 exported_at", "device": "设备 device", "records": "记录列表 records",
}

TYPE_NAMES = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表",
              "object": "对象", "null": "空"}


def field_name(path: list) -> str:
    named = [str(p) for p in path if not isinstance(p, int)]
    last = named[-1] if named else ""
    return FIELD_NAMES.get(last, last or "记录")


def schema_error(error: jsonschema.ValidationError) -> str:
    where = field_name(list(error.absolute_path))
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"缺少{FIELD_NAMES.get(missing, missing)}"
    if kind == "type":
        expected = error.validator_value
        names = "或".join(TYPE_NAMES.get(t, str(t)) for t in (expected if isinstance(expected, list) else [expected]))
        return f"{where} 类型不对，应为{names}"
    if kind in ("pattern", "anyOf"):
        return f"{where} 格式不对（{_short(error.instance)}）"
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        return f"{where} 取值 {_short(error.instance)} 不在允许范围（{'、'.join(map(str, allowed))}）"
    if kind in ("minLength", "minItems"):
        return f"{where} 不能为空"
    if kind in ("maxLength", "maxItems"):
        return f"{where} 太长（最多 {error.validator_value}）"
    return f"{where} 不符合格式要求（{kind}）"


def _short(value: object) -> str:
    """The value as it may be shown on a terminal: escapes for control characters (safetext.printable)."""
    text = repr(value) if not isinstance(value, str) else printable(value)
    return text if len(text) <= 30 else text[:27] + "…"
