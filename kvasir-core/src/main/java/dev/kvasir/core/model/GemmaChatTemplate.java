package dev.kvasir.core.model;

/**
 * Gemma 3's chat template, as Google ships it in the Hugging Face tokenizer_config.json of the
 * Gemma 3 checkpoints: turns {@code <start_of_turn>user|model ... <end_of_turn>}, a system
 * message folded into the first user turn. Used for a Gemma GGUF that carries no
 * {@code tokenizer.chat_template} (GGUFs converted from the base checkpoints, like the
 * registry's {@code gemma3-270m}), where a ChatML fallback would name tokens Gemma does not have.
 */
final class GemmaChatTemplate {
    static final String SOURCE = """
            {{ bos_token }}
            {%- if messages[0]['role'] == 'system' -%}
                {%- if messages[0]['content'] is string -%}
                    {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
                {%- else -%}
                    {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}
                {%- endif -%}
                {%- set loop_messages = messages[1:] -%}
            {%- else -%}
                {%- set first_user_prefix = "" -%}
                {%- set loop_messages = messages -%}
            {%- endif -%}
            {%- for message in loop_messages -%}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
                    {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
                {%- endif -%}
                {%- if (message['role'] == 'assistant') -%}
                    {%- set role = "model" -%}
                {%- else -%}
                    {%- set role = message['role'] -%}
                {%- endif -%}
                {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
                {%- if message['content'] is string -%}
                    {{ message['content'] | trim }}
                {%- elif message['content'] is iterable -%}
                    {%- for item in message['content'] -%}
                        {%- if item['type'] == 'image' -%}
                            {{ '<start_of_image>' }}
                        {%- elif item['type'] == 'text' -%}
                            {{ item['text'] | trim }}
                        {%- endif -%}
                    {%- endfor -%}
                {%- else -%}
                    {{ raise_exception("Invalid content type") }}
                {%- endif -%}
                {{ '<end_of_turn>\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
                {{'<start_of_turn>model\\n'}}
            {%- endif -%}
            """;

    private GemmaChatTemplate() {}
}
