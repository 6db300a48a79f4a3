/** Chat templates: renders a model's tokenizer.chat_template with a real Jinja engine. */
package dev.kvasir.chat;
