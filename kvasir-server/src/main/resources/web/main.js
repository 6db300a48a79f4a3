// Wires the page: model name and window, the API key (kept in this browser only), the tabs.
import {apiKey, getJson} from './api.js';
import {setUpChat} from './chat.js';
import {setUpInspector} from './inspector.js';

const KEY = 'kvasir.apiKey';
const keyInput = document.getElementById('api-key');
keyInput.value = localStorage.getItem(KEY) ?? '';
keyInput.addEventListener('change', () => {
  localStorage.setItem(KEY, apiKey());
  load();
});

const tabs = [...document.querySelectorAll('[role=tab]')];
function select(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
  tab.focus();
}
for (const t of tabs) {
  t.addEventListener('click', () => select(t));
  t.addEventListener('keydown', e => {
    const i = tabs.indexOf(t);
    if (e.key === 'ArrowRight') select(tabs[(i + 1) % tabs.length]);
    if (e.key === 'ArrowLeft') select(tabs[(i + tabs.length - 1) % tabs.length]);
  });
}

let ready = false;
async function load() {
  const label = document.getElementById('model');
  try {
    const models = await getJson('/v1/models');
    const m = models.data[0];
    label.textContent = `${m.id} · window ${m.context_length.toLocaleString('en')} tokens`;
    if (!ready) {
      setUpChat(m.kv_compression_methods);
      setUpInspector(m.kv_compression_methods, m.context_length);
      ready = true;
      document.body.dataset.ready = 'true';
    }
  } catch (e) {
    label.textContent = e.message;
  }
}
load();
