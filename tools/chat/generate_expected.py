#!/usr/bin/env python3
"""Reference renderings of chat templates for kvasir-chat's tests.

Renders every template under kvasir-chat/src/test/resources/templates/ with Hugging Face
transformers' own chat-template renderer (`render_jinja_template`, the function behind
`tokenizer.apply_chat_template`: jinja2 sandbox, trim_blocks + lstrip_blocks, HF's tojson,
raise_exception, strftime_now, namespace) over a fixed set of conversations, and writes the
results to kvasir-chat/src/test/resources/chat/expected.json. ChatTemplateReferenceTest renders
the same cases with Jinjava and compares byte for byte.

    pip install jinja2 transformers gguf
    python3 tools/chat/generate_expected.py --extract   # refresh the model templates too
    python3 tools/chat/generate_expected.py             # only re-render

--extract copies the model templates verbatim: smollm2.jinja from the SmolLM2-135M-Instruct
GGUF (`tokenizer.chat_template`), llama3.jinja and qwen3.jinja from the tokenizer_config.json
files in ../shared/tokenizers. features.jinja and mistral-style.jinja are written by hand;
chatml.jinja is the fallback in kvasir-chat's main resources.

strftime_now is pinned to FIXED_NOW so the output does not depend on the day it is run.
"""
import argparse
import datetime as _dt
import json
import os
import sys
from pathlib import Path

import jinja2
import transformers
from transformers.utils import chat_template_utils

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "kvasir-chat/src/test/resources/templates"
# The fallback used when a model has no template ships in the main resources.
FALLBACK = REPO / "kvasir-chat/src/main/resources/dev/kvasir/chat/chatml.jinja"
OUT = REPO / "kvasir-chat/src/test/resources/chat/expected.json"
SHARED = REPO.parent / "shared"
GGUF = Path(os.path.expanduser("~/.cache/kvasir/models/SmolLM2-135M-Instruct.Q4_1.gguf"))

# The Java test uses the same instant: Clock.fixed(2025-03-09T14:05:00Z, UTC).
FIXED_NOW = _dt.datetime(2025, 3, 9, 14, 5, 0)


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


# render_jinja_template's strftime_now calls `datetime.now()` from this module.
chat_template_utils.datetime = _FixedDatetime

# name -> (bos_token, eos_token); None = the model has no such token (not passed, as in HF).
TOKENS = {
    "smollm2.jinja": ("<|im_start|>", "<|im_end|>"),
    "llama3.jinja": ("<|begin_of_text|>", "<|end_of_text|>"),
    "qwen3.jinja": (None, "<|im_end|>"),
    "features.jinja": ("<s>", "</s>"),
    "mistral-style.jinja": ("<s>", "</s>"),
    "chatml.jinja": (None, None),
}


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = {
    "chat": [
        m("system", "You are a concise assistant."),
        m("user", "What is the capital of France?"),
        m("assistant", "Paris."),
        m("user", "And of Italy?"),
    ],
    "no_system": [m("user", "Hello!")],
    "whitespace": [
        m("system", "  Be brief.\n"),
        m("user", "\n  Tell me a joke.  \n"),
        m("assistant", " Why did the chicken cross the road?\nTo get to the other side! \n"),
        m("user", "Another one"),
    ],
    "unicode": [
        m("user", "Ünïcödé ✓ 😀 日本語"),
        m("assistant", "好的 👍"),
        m("user", "/translate Hello  brave\tnew World"),
    ],
    "reasoning": [
        m("user", "What is 2+2?"),
        m("assistant", "<think>\nSimple arithmetic.\n</think>\n\n2+2 = 4."),
        m("user", "And 3+3?"),
    ],
    "tool_turns": [
        m("user", "Weather in Paris?"),
        m("assistant", "Let me check."),
        m("tool", '{"temp": 18}'),
        m("tool", '{"sky": "clear"}'),
        m("assistant", "It is 18°C and clear."),
    ],
    "bad_alternation": [m("user", "one"), m("user", "two")],
    "bad_role": [m("user", "hi"), m("narrator", "Meanwhile...")],
}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city, in °C",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
                    "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
                    "metric": {"type": "boolean", "default": True},
                    "note": {"type": ["string", "null"], "default": None},
                },
                "required": ["city"],
            },
        },
    },
    {"type": "function", "function": {"name": "noop", "description": "Tab\there, slash / and <tags> & \\ back", "parameters": {}}},
]

# Extra cases beyond the template x conversation x add_generation_prompt grid.
EXTRA = [
    ("qwen3.jinja", "chat", True, {"tools": TOOLS}),
    ("qwen3.jinja", "reasoning", True, {"enable_thinking": False}),
    ("features.jinja", "chat", True, {"tools": TOOLS}),
    ("features.jinja", "unicode", False, {"date_string": "26 Jul 2024"}),
]


# Small inline templates, one Jinja feature each, rendered over the "chat" conversation with
# bos/eos "<s>"/"</s>" and date_string set: they pin down the semantics where Jinjava and jinja2
# differ out of the box (operator precedence, Python methods, whitespace control, printing).
SNIPPETS = {
    "not_precedence": "{{ not date_string is defined }}|{{ not foo is defined }}|{{ not messages[0].role == 'user' }}"
    "|{{ not 'a' in 'abc' }}|{{ 'x' not in 'abc' }}|{{ messages[0].role is not none }}",
    "filter_precedence": "{{ 'a' + messages[0].role | upper + 'b' }}|{{ messages|length - 1 }}|{{ -3|abs }}"
    "|{{ messages|length * 2 }}|{{ 'n=' ~ messages|length }}",
    "keyword_arguments": "{% set ns = namespace(a=messages|length - 1, b='x' ~ 'y', c=not false) %}{{ ns.a }}{{ ns.b }}{{ ns.c }}",
    "printing": "{{ true }} {{ false }} {{ 1 == 1 }} {{ [1, 'a', 2.5] }} {{ {'a': 1} }} {{ 7 // 2 }} {{ 7 / 2 }} {{ 7 % 3 }}"
    " {{ 2 ** 3 }} {{ 4 / 2 }} {{ range(3)|list }}",
    "string_methods": "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'xxaxx'.lstrip('x') }}|{{ 'xxaxx'.rstrip('x') }}"
    "|{{ 'a,b,,c'.split(',')|length }}|{{ 'a,b,,c'.split(',')[2] }}|{{ ' a  b '.split()|join('+') }}"
    "|{{ 'a b c'.split(' ', 1)[1] }}|{{ 'a b c'.rsplit(' ', 1)[0] }}|{{ 'a</t>'.split('</t>')[-1] }}|{{ 'a.b|c'.split('|')[0] }}"
    "|{{ 'Hello World'.lower() }}|{{ 'Hello'.upper() }}|{{ \"they're bill's 2nd\".title() }}|{{ 'hELLO'.capitalize() }}"
    "|{{ 'abab'.replace('b', 'B') }}|{{ 'abab'.replace('b', 'B', 1) }}|{{ 'abcabc'.find('c') }}|{{ 'abcabc'.rfind('c') }}"
    "|{{ 'abc'.find('z') }}|{{ 'abc'.startswith(('x', 'a')) }}|{{ 'abc'.endswith('bc') }}|{{ 'aaa'.count('a') }}"
    "|{{ '-'.join(['a', 'b']) }}|{{ 'abc'[-1] }}|{{ 'abc'[0] }}|{{ 'abc'[1:] }}|{{ 'abc'[:-1] }}"
    "|{{ 'a\\nb\\r\\nc'.splitlines()|length }}|{{ 'ABC'.isupper() }}|{{ '123'.isdigit() }}|{{ ' '.isspace() }}",
    "slices_and_loops": "{{ messages[1:]|length }}|{{ messages[:-1]|length }}|{{ messages[-1].role }}|{{ (messages[::-1]|first).role }}|"
    "{% for m in messages[::-1] %}{{ m.role[0] }}{% endfor %}|"
    "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
    "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
    "slices_and_concat": "{{ '😀ab'[1:] }}|{{ '😀ab'[-3] }}|{{ '😀ab'[:-2] }}|{{ messages[-2:]|map(attribute='role')|join(',') }}"
    "|{{ messages[1:-1]|length }}|{{ messages[5:]|length }}|{{ 'abc'[5:] }}|{{ 'abc'[-10:2] }}|{{ 'x' ~ true ~ 1 ~ 2.5 ~ [1] }}",
    "tojson": "{{ messages[0] | tojson }}|{{ messages[0] | tojson(indent=2) }}"
    "|{{ {'b': 1, 'a': [1.5, 2.0, 1e-7, 1e20, 123456.789, -0.0, true, none]} | tojson(sort_keys=true) }}"
    "|{{ 'é<>&\\t\"' | tojson }}|{{ 'é😀' | tojson(ensure_ascii=true) }}|{{ [1, 2] | tojson(separators=[',', ':']) }}"
    "|{{ [] | tojson }}|{{ {} | tojson(indent=2) }}|{{ [[]] | tojson(indent=1) }}",
    "whitespace_control": "Header\n  {% for m in messages %}\n    - {{ m.role }}\n  {% endfor %}\n{#- note #}\n  {{- 'x' }}\n"
    "{% if true -%}\n   inner   \n{%- endif %}\n  {# plain comment #}\nFooter {{ 'a' -}}   {{- 'b' }}\n\n",
    "whitespace_edges": "{{ 'a' }} {% if true %}b{% endif %} c\n  {% if true %}\n  d\n  {% endif %}\n"
    "{% if true +%}\nplus\n  {%+ endif %}|{% raw %} {{ raw }}\n{% endraw %}\n  |\n  {# c #}  {% if true %}e{% endif %}\n"
    "\t{% set x = {'k': {'n': '}}'}} %}{{ x.k.n }}\n  {{- ' f' -}}  \n  {%- if true -%}  \n g {%- endif %}\n"
    "  {% for i in range(2) %}\n    {{ i }}\n  {% endfor %}\nend  {#- c -#}  here{# c #}\n{{ '}}' }}",
    "macros_and_blocks": "{% macro fmt(m, sep=':') %}[{{ m.role }}{{ sep }}{{ m.content|length }}]{% endmacro %}"
    "{% for m in messages %}{{ fmt(m) }}{% endfor %}{{ fmt(messages[0], sep='=') }}"
    "{% set block %}A{{ 1 + 1 }}B{% endset %}|{{ block }}|{{ 'yes' if messages|length > 2 else 'no' }}",
    "collections": "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='role')|join(',') }}"
    "|{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('b', 'dflt') }}{{ d['a'] }}{{ d.a }}"
    "|{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}"
    "|{{ messages[0].role in ['system', 'user'] }}|{{ (messages|first).role }}{{ (messages|last).role }}"
    "|{% set ns = namespace(items=[]) %}{% for m in messages %}{% set ns.items = ns.items + [m.role[:1]] %}{% endfor %}{{ ns.items|join }}",
    "tests": "{{ messages is iterable }}{{ 'a' is string }}{{ 1 is number }}{{ messages[0] is mapping }}{{ none is none }}"
    "{{ messages is sequence }}{{ 3 is odd }}{{ messages[0].missing is defined }}{{ messages[0].missing is undefined }}",
    "filters": "{{ foo|default('d') }}|{{ messages[0].missing|default('m') }}|{{ messages[0].content|length }}|{{ 3.7|int }}"
    "|{{ '5'|int + 1 }}|{{ 2.5|round }}|{{ 'hello WORLD'|capitalize }}|{{ 'hello world'|title }}|{{ 'aaa'|replace('a', 'b') }}"
    "|{{ '\u00a0 x \\n'|trim }}|{{ 'xxaxx'|trim('x') }}|{{ messages[1].content|lower }}|{{ [3, 1, 2]|sort|join }}"
    "|{{ ['a', 'b']|reverse|join }}|{{ 'abc'|reverse }}|{{ [1, 2, 3]|sum }}|{{ ['x', 'y']|first }}{{ ['x', 'y']|last }}",
    "strftime": "{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %j %I%p %y %-d %-m %e %% %Q') }}",
    "escapes": "{{ 'tab\\there' }}|{{ \"q'uote\" }}|{{ 'back\\\\slash' }}|{{ 'new\\nline' }}",
}


def extract():
    from gguf import GGUFReader

    reader = GGUFReader(str(GGUF))
    field = reader.fields["tokenizer.chat_template"]
    (TEMPLATES / "smollm2.jinja").write_text(field.contents(), encoding="utf-8", newline="")
    for name in ("llama3", "qwen3"):
        config = json.loads((SHARED / "tokenizers" / name / "tokenizer_config.json").read_text(encoding="utf-8"))
        (TEMPLATES / f"{name}.jinja").write_text(config["chat_template"], encoding="utf-8", newline="")


def template_path(template_name):
    return FALLBACK if template_name == FALLBACK.name else TEMPLATES / template_name


def render(template_name, messages, add_generation_prompt, variables, source=None, tokens=None):
    if source is None:
        source = template_path(template_name).read_text(encoding="utf-8")
    bos, eos = tokens if tokens is not None else TOKENS[template_name]
    kwargs = dict(variables)
    tools = kwargs.pop("tools", None)
    if bos is not None:
        kwargs["bos_token"] = bos
    if eos is not None:
        kwargs["eos_token"] = eos
    try:
        rendered, _ = chat_template_utils.render_jinja_template(
            conversations=[messages],
            tools=tools,
            chat_template=source,
            add_generation_prompt=add_generation_prompt,
            **kwargs,
        )
        return {"expected": rendered[0]}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extract", action="store_true", help="re-extract the model templates first")
    args = parser.parse_args()
    if args.extract:
        extract()

    grid = [(t, c, agp, {}) for t in sorted(TOKENS) for c in CONVERSATIONS for agp in (True, False)]
    cases = []
    for template_name, conversation, agp, variables in grid + EXTRA:
        bos, eos = TOKENS[template_name]
        case = {
            "name": f"{template_name[:-6]}/{conversation}/agp={str(agp).lower()}"
            + "".join(f"/{k}" for k in variables),
            "template": template_name,
            "bos_token": bos,
            "eos_token": eos,
            "messages": CONVERSATIONS[conversation],
            "add_generation_prompt": agp,
            "variables": variables,
        }
        case.update(render(template_name, CONVERSATIONS[conversation], agp, variables))
        cases.append(case)

    for name, source in SNIPPETS.items():
        variables = {"date_string": "26 Jul 2024"}
        case = {
            "name": f"snippet/{name}",
            "source": source,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "messages": CONVERSATIONS["chat"],
            "add_generation_prompt": True,
            "variables": variables,
        }
        case.update(render(None, CONVERSATIONS["chat"], True, variables, source=source, tokens=("<s>", "</s>")))
        cases.append(case)

    document = {
        "generator": "tools/chat/generate_expected.py",
        "transformers": transformers.__version__,
        "jinja2": jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} expect an error) to {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
