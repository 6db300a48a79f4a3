// Calls to the server's API with the user's key; errors come back as Error objects carrying the server's message.
const keyInput = () => document.getElementById('api-key');

export function apiKey() {
  return keyInput().value.trim();
}

function headers() {
  const h = {'Content-Type': 'application/json'};
  const key = apiKey();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

async function failure(response) {
  let message = response.status + ' ' + response.statusText;
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) message = body.error.message;
  } catch (e) { /* not JSON: keep the status line */ }
  if (response.status === 401) message += ' (enter the API key at the top right)';
  return new Error(message);
}

export async function getJson(path) {
  const r = await fetch(path, {headers: headers()});
  if (!r.ok) throw await failure(r);
  return r.json();
}

export async function postJson(path, body, signal) {
  const r = await fetch(path, {method: 'POST', headers: headers(), body: JSON.stringify(body), signal});
  if (!r.ok) throw await failure(r);
  return r.json();
}

/** POSTs a streaming request and calls onEvent with each parsed server-sent event's JSON. */
export async function postStream(path, body, onEvent, signal) {
  const r = await fetch(path, {method: 'POST', headers: headers(), body: JSON.stringify(body), signal});
  if (!r.ok) throw await failure(r);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return;
        const json = JSON.parse(data);
        if (json.error) throw new Error(json.error.message);
        onEvent(json);
      }
    }
  }
}

export function describeBytes(n) {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return n + ' B';
}

/** A compression picker: method, budget (fraction or tokens per head) and options as key=value pairs. */
export function methodPicker(container, methods, initial, allowNone) {
  const id = container.id;
  container.innerHTML = `
    <label>Method <select id="${id}-method"></select></label>
    <label>Budget <span class="budget">
      <input id="${id}-budget" type="number" min="0" step="any" value="${initial.budget}" aria-label="Budget value">
      <select id="${id}-unit" aria-label="Budget unit"><option value="fraction">of the prompt</option><option value="tokens">tokens per head</option></select>
    </span></label>
    <label>Options <input id="${id}-options" type="text" placeholder="window=32,kernel=7" spellcheck="false"></label>`;
  const select = container.querySelector('select');
  const choices = (allowNone ? ['none'] : []).concat(methods.filter(m => m !== 'none'));
  for (const m of choices) select.add(new Option(m, m, false, m === initial.method));
  return {
    /** The kv_compression object, or null for the full cache. */
    value() {
      const method = select.value;
      if (method === 'none') return null;
      const spec = {method};
      const amount = Number(container.querySelector(`#${id}-budget`).value);
      if (container.querySelector(`#${id}-unit`).value === 'tokens') spec.budget_tokens = Math.round(amount);
      else spec.budget = amount;
      const options = container.querySelector(`#${id}-options`).value.trim();
      if (options) {
        spec.options = {};
        for (const pair of options.split(',')) {
          const [k, ...v] = pair.split('=');
          spec.options[k.trim()] = v.join('=').trim();
        }
      }
      return spec;
    },
  };
}
