#!/usr/bin/env python3
"""A deterministic stand-in for an OpenAI-compatible chat completions API.

Keyflow's LLM calls are tested against this peer instead of OpenAI, Ollama, vLLM or
llama.cpp. It checks each request the way those APIs do (Bearer key, model, messages,
content parts) and answers in OpenAI's shapes, but the answer is an echo of the last
user message, changed by directives in that message ([json], [classify:A|B],
[fail:429], [fail-once:503], ...; see _llmlib.py). Every request is recorded for the
tests (GET /_requests, POST /_reset), without the key itself.

Run:  .venv/bin/python peers/llm_openai_server.py [--port 0] [--key KEY ...]
          [--model NAME ...] [--base-path PATH] [--retry-after 1] [--verbose]
Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import time

import _llmlib as llm
from _peerlib import serve

DEFAULT_MODEL = "gpt-4o-mini"
ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
SYSTEM_ROLES = {"system", "developer"}

# status -> (type, code, message) for [fail:N]; other statuses get a generic entry.
FAILURES = {
    400: ("invalid_request_error", None, "Bad request (the stand-in was told to fail)."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for requests per min (RPM). Please try again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The server is overloaded or not ready yet."),
}


def error(status, message, type_="invalid_request_error", code=None, param=None, headers=None):
    return llm.json_response({"error": {"message": message, "type": type_, "param": param, "code": code}},
                             status, headers)


def auth_summary(request, accepted):
    """What the Authorization header held: never the key, only whether it matched and its tail."""
    header = request.headers.get("Authorization")
    if header is None:
        return {"present": False, "scheme": None, "matched": False, "key_last4": None}
    scheme, _, key = header.strip().partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else ""
    matched = bool(key) and (not accepted or key in accepted)
    return {"present": True, "scheme": scheme, "matched": matched, "key_last4": llm.key_tail(key)}


def message_text(content):
    """(text, images) of a message's content: a string, an array of parts (text parts
    joined by one space), or None."""
    if isinstance(content, str):
        return content, 0
    if isinstance(content, list):
        texts = [p["text"] for p in content if p.get("type") == "text"]
        images = sum(1 for p in content if p.get("type") == "image_url")
        return " ".join(texts), images
    return "", 0


def validate(body):
    """None, or (message, param, code) for a 400."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", None, None
    model = body.get("model")
    if model is None:
        return "you must provide a model parameter", "model", None
    if not isinstance(model, str) or not model:
        return "Invalid type for 'model': expected a non-empty string.", "model", "invalid_type"
    messages = body.get("messages")
    if messages is None:
        return "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
    if not isinstance(messages, list):
        return "Invalid type for 'messages': expected an array.", "messages", "invalid_type"
    if not messages:
        return ("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead.", "messages", "empty_array")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            return f"Invalid type for '{where}': expected an object.", where, "invalid_type"
        if "role" not in message:
            return f"Missing required parameter: '{where}.role'.", f"{where}.role", "missing_required_parameter"
        if message["role"] not in ROLES:
            return (f"Invalid value: '{message['role']}'. Supported values are: "
                    + ", ".join(f"'{r}'" for r in sorted(ROLES)) + ".", f"{where}.role", "invalid_value")
        if "content" not in message:
            return (f"Missing required parameter: '{where}.content'.", f"{where}.content",
                    "missing_required_parameter")
        content = message["content"]
        if content is None and message["role"] == "assistant" and message.get("tool_calls"):
            continue
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            return (f"Invalid type for '{where}.content': expected a string or an array of parts.",
                    f"{where}.content", "invalid_type")
        for j, part in enumerate(content):
            pwhere = f"{where}.content[{j}]"
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                return (f"Invalid '{pwhere}': expected a part of type 'text' or 'image_url'.",
                        pwhere, "invalid_value")
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                return f"Missing required parameter: '{pwhere}.text'.", f"{pwhere}.text", "missing_required_parameter"
            if part["type"] == "image_url":
                image = part.get("image_url")
                if not isinstance(image, dict) or not isinstance(image.get("url"), str) or not image["url"]:
                    return (f"Missing required parameter: '{pwhere}.image_url.url'.", f"{pwhere}.image_url.url",
                            "missing_required_parameter")
    temperature = body.get("temperature")
    if temperature is not None and (not llm.is_number(temperature) or not 0 <= temperature <= 2):
        return (f"Invalid 'temperature': expected a number from 0 to 2, got {temperature!r}.",
                "temperature", "invalid_value")
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is not None and (not llm.is_int(value) or value < 1):
            return f"Invalid '{name}': expected an integer of at least 1, got {value!r}.", name, "invalid_value"
    if body.get("stream"):
        return "This stand-in does not stream: send stream false or leave it out.", "stream", "unsupported_value"
    return None


def fail(status, retry_after):
    type_, code, message = FAILURES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None,
                 f"The stand-in was told to fail with {status}."))
    headers = {"Retry-After": str(retry_after)} if status == 429 else None
    return error(status, message, type_, code, headers=headers)


def chat_completion(body, state, retry_after):
    messages = body["messages"]
    users = [m for m in messages if m["role"] == "user"]
    text, images = message_text(users[-1]["content"]) if users else ("", 0)
    directives = llm.Directives(text)
    if directives.fail:
        return fail(directives.fail, retry_after)
    if directives.fail_once and state.times_seen(text) == 0:
        return fail(directives.fail_once, retry_after)

    has_system = any(m["role"] in SYSTEM_ROLES and message_text(m["content"])[0].strip() for m in messages)
    answer = llm.compose_answer(text, images, has_system, directives)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    answer, cut = llm.cut_to_words(answer, limit)
    prompt_tokens = sum(llm.word_count(message_text(m.get("content"))[0]) for m in messages)
    completion_tokens = llm.word_count(answer)
    n = state.next_id()
    return llm.json_response({
        "id": f"chatcmpl-peer{n:06d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": answer, "refusal": None},
            "logprobs": None,
            "finish_reason": "length" if cut else "stop",
        }],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
        "system_fingerprint": None,
    }, headers={"x-request-id": f"req_peer{n:06d}"})


def create_app(keys, models, base_path, retry_after):
    state = llm.State()
    accepted = set(keys)
    chat_path = base_path + "/v1/chat/completions"
    models_path = base_path + "/v1/models"

    def handle(request, auth, body, body_error):
        path = request.path
        if path not in (chat_path, models_path) and not path.startswith(models_path + "/"):
            return error(404, f"Unknown request URL: {request.method} {path}.", code="unknown_url")
        if not auth["matched"]:
            if not auth["present"]:
                return error(401, "You didn't provide an API key. You need to provide your API key in an "
                             "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                             code="invalid_api_key")
            shown = "***" + auth["key_last4"] if auth["key_last4"] else "***"
            return error(401, f"Incorrect API key provided: {shown}.", code="invalid_api_key")
        if path == models_path or path.startswith(models_path + "/"):
            if request.method != "GET":
                return error(405, f"Method {request.method} not allowed for {path}.", code="method_not_allowed")
            listed = [{"id": m, "object": "model", "created": 0, "owned_by": "keyflow-peer"} for m in models]
            if path == models_path:
                return llm.json_response({"object": "list", "data": listed})
            wanted = path[len(models_path) + 1:]
            for entry in listed:
                if entry["id"] == wanted:
                    return llm.json_response(entry)
            return error(404, f"The model '{wanted}' does not exist or you do not have access to it.",
                         code="model_not_found", param="model")
        if request.method != "POST":
            return error(405, f"Method {request.method} not allowed for {path}.", code="method_not_allowed")
        if body_error:
            return error(400, "We could not parse the JSON body of your request. The OpenAI API expects a "
                         f"JSON payload ({body_error}).")
        problem = validate(body)
        if problem:
            message, param, code = problem
            return error(400, message, code=code, param=param)
        return chat_completion(body, state, retry_after)

    return llm.recording_app(state, lambda request: auth_summary(request, accepted), handle)


def main():
    parser = llm.llm_arg_parser(__doc__.splitlines()[0], DEFAULT_MODEL)
    args = llm.finish_args(parser.parse_args(), DEFAULT_MODEL)
    serve(create_app(args.key, args.model, args.base_path, args.retry_after), args.port, args.verbose)


if __name__ == "__main__":
    main()
