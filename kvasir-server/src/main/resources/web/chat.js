// The chat view: streams answers from /v1/chat/completions and shows what each request's KV cache held.
import {describeBytes, methodPicker, postStream} from './api.js';

export function setUpChat(methods) {
  const picker = methodPicker(document.getElementById('chat-method'), methods, {method: 'none', budget: 0.5}, true);
  const list = document.getElementById('messages');
  const input = document.getElementById('chat-input');
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');
  const conversation = [];
  let running = null;

  function bubble(role, text) {
    const li = document.createElement('li');
    li.className = 'message ' + role;
    const who = document.createElement('span');
    who.className = 'role';
    who.textContent = role === 'user' ? 'You' : role === 'assistant' ? 'Model' : 'Error';
    const body = document.createElement('div');
    body.className = 'text';
    body.textContent = text;
    li.append(who, body);
    list.append(li);
    li.scrollIntoView({block: 'end'});
    return body;
  }

  function gauge(usage) {
    const kv = usage.kv_compression;
    const share = kv.bytes_full > 0 ? kv.bytes_kept / kv.bytes_full : 1;
    document.querySelector('#gauge .held').style.width = (100 * share).toFixed(1) + '%';
    document.querySelector('#gauge .figures').textContent =
      `${kv.label ?? kv.method}: prompt cache ${describeBytes(kv.bytes_kept)} held of ${describeBytes(kv.bytes_full)} full ` +
      `(${(100 * share).toFixed(0)} %); ${describeBytes(usage.kv_cache_bytes)} at the end, ` +
      `${usage.prompt_tokens} prompt + ${usage.completion_tokens} generated tokens`;
  }

  async function ask(text) {
    conversation.push({role: 'user', content: text});
    bubble('user', text);
    const out = bubble('assistant', '');
    out.parentElement.classList.add('streaming');
    const body = {
      messages: conversation,
      stream: true,
      stream_options: {include_usage: true},
      temperature: Number(document.getElementById('temperature').value),
      top_p: Number(document.getElementById('top-p').value),
      max_tokens: Number(document.getElementById('max-tokens').value),
    };
    const kv = picker.value();
    body.kv_compression = kv ?? {method: 'none'};
    running = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    try {
      await postStream('/v1/chat/completions', body, event => {
        if (event.usage) gauge(event.usage);
        const delta = event.choices?.[0]?.delta?.content;
        if (delta) out.textContent += delta;
      }, running.signal);
      conversation.push({role: 'assistant', content: out.textContent});
    } catch (e) {
      conversation.pop();
      if (e.name !== 'AbortError') bubble('error', e.message);
    } finally {
      out.parentElement.classList.remove('streaming');
      out.parentElement.dataset.done = 'true';
      running = null;
      send.disabled = false;
      stop.disabled = true;
    }
  }

  document.getElementById('chat-form').addEventListener('submit', e => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || running) return;
    input.value = '';
    ask(text);
  });
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      document.getElementById('chat-form').requestSubmit();
    }
  });
  stop.addEventListener('click', () => running?.abort());
  document.getElementById('clear-chat').addEventListener('click', () => {
    running?.abort();
    conversation.length = 0;
    list.replaceChildren();
    input.focus();
  });
}
