#!/usr/bin/env python3
"""A deterministic stand-in for Anthropic's Messages API.

Keyflow's LLM calls are tested against this peer instead of Anthropic. It checks each
request the way the Messages API does (x-api-key, anthropic-version, model, max_tokens,
messages, content blocks, system) and answers in Anthropic's shapes, but the answer is
an echo of the last user message, prefixed with "[system] " when a system prompt was
given and changed by directives in that message ([json], [classify:A|B], [fail:429],
[fail-once:529], ...; see _llmlib.py). Every request is recorded for the tests
(GET /_requests, POST /_reset), without the key itself.

Run:  .venv/bin/python peers/llm_anthropic_server.py [--port 0] [--key KEY ...]
          [--model NAME ...] [--base-path PATH] [--retry-after 1] [--verbose]
Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import _llmlib as llm
from _peerlib import serve

DEFAULT_MODEL = "claude-sonnet-4-5"
VERSIONS = {"2023-06-01", "2023-01-01"}  # the anthropic-version values the API knows
IMAGE_SOURCES = {"base64": ("media_type", "data"), "url": ("url",), "file": ("file_id",)}

# status -> error type, as Anthropic documents them; other 5xx are api_error.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
MESSAGES = {
    429: "This request would exceed the rate limit for your organization. Please try again later.",
    500: "Internal server error",
    529: "Overloaded",
}


def error(status, message, type_=None, headers=None):
    type_ = type_ or ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return llm.json_response({"type": "error", "error": {"type": type_, "message": message}}, status, headers)


def auth_summary(request, accepted):
    """What the x-api-key header held: never the key, only whether it matched and its tail."""
    key = request.headers.get("x-api-key")
    if key is None:
        return {"present": False, "matched": False, "key_last4": None}
    key = key.strip()
    return {"present": True, "matched": bool(key) and (not accepted or key in accepted),
            "key_last4": llm.key_tail(key)}


def blocks_text(content):
    """(text, images) of a content string or array of blocks (text blocks joined by one space)."""
    if isinstance(content, str):
        return content, 0
    if isinstance(content, list):
        texts = [b["text"] for b in content if b.get("type") == "text"]
        return " ".join(texts), sum(1 for b in content if b.get("type") == "image")
    return "", 0


def validate_blocks(content, where, allow_images=True):
    """None or the message of a 400 for an array of content blocks."""
    for i, block in enumerate(content):
        bwhere = f"{where}.{i}"
        kinds = ("text", "image") if allow_images else ("text",)
        if not isinstance(block, dict) or block.get("type") not in kinds:
            return f"{bwhere}.type: Input tag '{block.get('type') if isinstance(block, dict) else block}' " \
                   f"does not match any of the expected tags: " + ", ".join(f"'{k}'" for k in kinds)
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            return f"{bwhere}.text: Field required"
        if block["type"] == "image":
            source = block.get("source")
            if not isinstance(source, dict):
                return f"{bwhere}.source: Field required"
            fields = IMAGE_SOURCES.get(source.get("type"))
            if fields is None:
                return f"{bwhere}.source.type: Input tag '{source.get('type')}' does not match any of the " \
                       "expected tags: 'base64', 'url', 'file'"
            for field in fields:
                if not isinstance(source.get(field), str) or not source[field]:
                    return f"{bwhere}.source.{field}: Field required"
    return None


def validate(body):
    """None, or the message of a 400 invalid_request_error."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    model = body.get("model")
    if model is None:
        return "model: Field required"
    if not isinstance(model, str) or not model:
        return "model: Input should be a non-empty string"
    max_tokens = body.get("max_tokens")
    if max_tokens is None:
        return "max_tokens: Field required"
    if not llm.is_int(max_tokens) or max_tokens < 1:
        return f"max_tokens: Input should be an integer of at least 1, got {max_tokens!r}"
    messages = body.get("messages")
    if messages is None:
        return "messages: Field required"
    if not isinstance(messages, list):
        return "messages: Input should be a valid list"
    if not messages:
        return "messages: at least one message is required"
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        if not isinstance(message, dict):
            return f"{where}: Input should be a valid dictionary"
        if "role" not in message:
            return f"{where}.role: Field required"
        if message["role"] not in ("user", "assistant"):
            return f"{where}.role: Input should be 'user' or 'assistant'"
        if "content" not in message:
            return f"{where}.content: Field required"
        content = message["content"]
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            return f"{where}.content: Input should be a valid string or a list of content blocks"
        problem = validate_blocks(content, f"{where}.content")
        if problem:
            return problem
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            return "system: Input should be a valid string or a list of text blocks"
        problem = validate_blocks(system, "system", allow_images=False)
        if problem:
            return problem
    temperature = body.get("temperature")
    if temperature is not None and (not llm.is_number(temperature) or not 0 <= temperature <= 1):
        return f"temperature: Input should be a number from 0 to 1, got {temperature!r}"
    if body.get("stream"):
        return "stream: this stand-in does not stream; send false or leave it out"
    return None


def fail(status, retry_after):
    headers = {"retry-after": str(retry_after)} if status == 429 else None
    return error(status, MESSAGES.get(status, f"The stand-in was told to fail with {status}."), headers=headers)


def create_message(body, state, retry_after):
    messages = body["messages"]
    users = [m for m in messages if m["role"] == "user"]
    text, images = blocks_text(users[-1]["content"]) if users else ("", 0)
    directives = llm.Directives(text)
    if directives.fail:
        return fail(directives.fail, retry_after)
    if directives.fail_once and state.times_seen(text) == 0:
        return fail(directives.fail_once, retry_after)

    system_text = blocks_text(body.get("system"))[0]
    answer = llm.compose_answer(text, images, bool(system_text.strip()), directives)
    answer, cut = llm.cut_to_words(answer, body["max_tokens"])
    input_tokens = llm.word_count(system_text) + sum(llm.word_count(blocks_text(m["content"])[0])
                                                     for m in messages)
    n = state.next_id()
    return llm.json_response({
        "id": f"msg_peer{n:06d}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": answer}],
        "stop_reason": "max_tokens" if cut else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": llm.word_count(answer)},
    }, headers={"request-id": f"req_peer{n:06d}"})


def create_app(keys, models, base_path, retry_after):
    state = llm.State()
    accepted = set(keys)
    messages_path = base_path + "/v1/messages"
    models_path = base_path + "/v1/models"

    def handle(request, auth, body, body_error):
        path = request.path
        if path not in (messages_path, models_path) and not path.startswith(models_path + "/"):
            return error(404, f"Not found: {request.method} {path}")
        if not auth["matched"]:
            return error(401, "invalid x-api-key" if auth["present"] else "x-api-key header is required")
        version = request.headers.get("anthropic-version")
        if not version:
            return error(400, "anthropic-version: header is required")
        if version not in VERSIONS:
            return error(400, f"anthropic-version: invalid version '{version}'")
        if path == models_path or path.startswith(models_path + "/"):
            if request.method != "GET":
                return error(405, f"Method {request.method} not allowed for {path}", "invalid_request_error")
            listed = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                      for m in models]
            if path == models_path:
                return llm.json_response({"data": listed, "has_more": False,
                                          "first_id": listed[0]["id"], "last_id": listed[-1]["id"]})
            wanted = path[len(models_path) + 1:]
            for entry in listed:
                if entry["id"] == wanted:
                    return llm.json_response(entry)
            return error(404, f"model: {wanted}")
        if request.method != "POST":
            return error(405, f"Method {request.method} not allowed for {path}", "invalid_request_error")
        if body_error:
            return error(400, f"There was an issue with your request body: {body_error}")
        problem = validate(body)
        if problem:
            return error(400, problem)
        return create_message(body, state, retry_after)

    return llm.recording_app(state, lambda request: auth_summary(request, accepted), handle)


def main():
    parser = llm.llm_arg_parser(__doc__.splitlines()[0], DEFAULT_MODEL)
    args = llm.finish_args(parser.parse_args(), DEFAULT_MODEL)
    serve(create_app(args.key, args.model, args.base_path, args.retry_after), args.port, args.verbose)


if __name__ == "__main__":
    main()
