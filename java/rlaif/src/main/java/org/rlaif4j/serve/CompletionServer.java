package org.rlaif4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.tokenizer.Tokenizer;

/**
 * An OpenAI-compatible HTTP server for one local checkpoint: {@code POST /v1/completions} and
 * {@code GET /v1/models}. Requests are parsed and tokenized on HTTP threads, then batched by a
 * {@link Batcher}. Errors are JSON {@code {"error": {...}}} with 400 (the field named), 404, 405,
 * 413 (body over the limit) and 503 with {@code Retry-After} (too many requests admitted).
 */
public final class CompletionServer implements AutoCloseable {
    private final ServeConfig config;
    private final CompletionEngine engine;
    private final Batcher batcher;
    private final Semaphore admitted;
    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final PromptFormat format;
    private final AtomicLong requestNo = new AtomicLong();
    private final long created = System.currentTimeMillis() / 1000;

    /** Binds {@code address} (port 0 = any free port) and starts serving. */
    public CompletionServer(CausalLm lm, Tokenizer tokenizer, ServeConfig config, InetSocketAddress address)
            throws IOException {
        this(lm, PromptFormat.plain(tokenizer), config, address);
    }

    /**
     * A server whose {@code POST /v1/chat/completions} renders messages with {@code format}'s chat
     * template (and stops at its stop ids); without a template that endpoint answers 400.
     */
    public CompletionServer(CausalLm lm, PromptFormat format, ServeConfig config, InetSocketAddress address)
            throws IOException {
        this.config = config;
        this.format = format;
        this.engine = new CompletionEngine(lm, format.tokenizer(), format.stopIds());
        this.batcher = new Batcher(engine, config.maxBatch(), config.batchWindow());
        this.admitted = new Semaphore(config.maxQueued());
        this.http = HttpServer.create(address, 0);
        this.httpThreads = Executors.newFixedThreadPool(config.httpThreads(), r -> {
            Thread t = new Thread(r, "serve-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(httpThreads);
        http.createContext("/v1/completions", ex -> handle(ex, "POST", this::completions));
        http.createContext("/v1/chat/completions", ex -> handle(ex, "POST", this::chatCompletions));
        http.createContext("/v1/models", ex -> handle(ex, "GET", this::models));
        http.createContext("/", ex -> handle(ex, null, e -> {
            throw new ApiException(404, null, "no such endpoint: " + e.getRequestMethod() + " " + e.getRequestURI().getPath()
                    + " (this server has POST /v1/completions, POST /v1/chat/completions and GET /v1/models)");
        }));
        http.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Model calls made so far. */
    public long batchesRun() {
        return batcher.batchesRun();
    }

    private interface Endpoint {
        ObjectNode answer(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, String method, Endpoint endpoint) throws IOException {
        try (ex) {
            ObjectNode body;
            int status = 200;
            try {
                if (method != null && !ex.getRequestMethod().equalsIgnoreCase(method)) {
                    ex.getResponseHeaders().add("Allow", method);
                    throw new ApiException(405, null, ex.getRequestURI().getPath() + ": expected " + method + ", found "
                            + ex.getRequestMethod());
                }
                body = endpoint.answer(ex);
            } catch (ApiException e) {
                status = e.status();
                body = error(e);
                if (status == 503 || status == 429) {
                    ex.getResponseHeaders().add("Retry-After", "1");
                }
            } catch (RuntimeException e) {
                status = 500;
                body = error(new ApiException(500, null, "internal error: " + e));
            }
            byte[] bytes = Jsonl.toLine(body).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    private static ObjectNode error(ApiException e) {
        ObjectNode root = Jsonl.mapper().createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.status());
        return root;
    }

    private ObjectNode models(HttpExchange ex) {
        ObjectNode root = Jsonl.mapper().createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", config.modelName());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "rlaif4j");
        m.put("max_model_len", engine.contextLength());
        return root;
    }

    private ObjectNode completions(HttpExchange ex) throws IOException {
        return complete(readJson(ex), false);
    }

    /**
     * {@code /v1/chat/completions}: the messages rendered by the chat template with the generation
     * prompt, then the same validation, batching and sampling as completions; the reply in the chat
     * schema ({@code choices[].message}).
     */
    private ObjectNode chatCompletions(HttpExchange ex) throws IOException {
        return complete(readJson(ex), true);
    }

    private ObjectNode chatBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(400, null, "request body: expected a JSON object");
        }
        if (!format.hasChatTemplate()) {
            throw new ApiException(400, "messages", "this model has no chat template (tokenizer_config.json chat_template "
                    + "or chat_template.jinja); use /v1/completions, or serve it with --chat-template-file");
        }
        ObjectNode b = ((ObjectNode) body).deepCopy();
        for (String f : List.of("tools", "tool_choice", "response_format", "prompt")) {
            JsonNode n = b.get(f);
            if (n != null && !n.isNull()) {
                throw ApiException.badField(f, "not supported by this server's chat endpoint");
            }
        }
        JsonNode lp = b.remove("logprobs");
        if (lp != null && lp.asBoolean(false)) {
            throw ApiException.badField("logprobs", "not supported on /v1/chat/completions (use /v1/completions)");
        }
        b.remove("top_logprobs");
        JsonNode mct = b.remove("max_completion_tokens");
        if (mct != null && !mct.isNull()) {
            b.set("max_tokens", mct);
        }
        List<org.rlaif4j.model.chat.ChatMessage> messages;
        try {
            messages = Prompt.messages(b.remove("messages"), "messages");
        } catch (org.rlaif4j.data.DataFormatException e) {
            throw new ApiException(400, "messages", e.getMessage());
        }
        long[] ids;
        try {
            ids = format.promptIds(Prompt.chat(messages));
        } catch (IllegalArgumentException e) { // the template refused the conversation
            throw new ApiException(400, "messages", e.getMessage());
        }
        ArrayNode p = b.putArray("prompt");
        for (long id : ids) {
            p.add(id);
        }
        return b;
    }

    private ObjectNode complete(JsonNode body, boolean chat) {
        if (!admitted.tryAcquire()) {
            throw new ApiException(503, null, "server busy: " + config.maxQueued() + " requests already admitted "
                    + "(--max-queued); retry later");
        }
        try {
            CompletionRequest req = CompletionRequest.parse(chat ? chatBody(body) : body, config);
            long no = requestNo.incrementAndGet();
            List<SequenceJob> jobs = new ArrayList<>();
            int promptTokens = 0;
            for (int i = 0; i < req.prompts().size(); i++) {
                long[] ids = promptIds(req, i);
                promptTokens += ids.length;
                String echo = req.prompts().get(i) != null ? req.prompts().get(i) : engine.decode(req.promptIds().get(i));
                for (int c = 0; c < req.n(); c++) {
                    jobs.add(new SequenceJob(req, no, ids, echo));
                }
            }
            List<Choice> choices = await(batcher.submit(jobs));
            return response(no, choices, promptTokens, chat);
        } finally {
            admitted.release();
        }
    }

    private long[] promptIds(CompletionRequest req, int i) {
        long[] ids = req.prompts().get(i) != null ? engine.encode(req.prompts().get(i)) : req.promptIds().get(i);
        String which = req.prompts().size() == 1 ? "the prompt" : "prompt " + i;
        if (ids.length == 0) {
            throw ApiException.badField("prompt", which + " is empty; expected at least one token");
        }
        for (long id : ids) {
            if (id >= engine.vocabSize()) {
                throw ApiException.badField("prompt", which + ": token id " + id + " is outside the vocabulary [0, "
                        + engine.vocabSize() + ")");
            }
        }
        if (ids.length + req.maxTokens() > engine.contextLength()) {
            throw ApiException.badField("max_tokens", which + " has " + ids.length + " tokens; with max_tokens = "
                    + req.maxTokens() + " this exceeds the model's context of " + engine.contextLength() + " tokens");
        }
        return ids;
    }

    private JsonNode readJson(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(config.maxBodyBytes() + 1);
            if (bytes.length > config.maxBodyBytes()) {
                // closing the stream drains the rest, so the client, still sending, gets to read the 413
                throw new ApiException(413, null, "request body" + (length != null ? " of " + length + " bytes" : "")
                        + " exceeds the limit of " + config.maxBodyBytes() + " bytes");
            }
        }
        try {
            return Jsonl.mapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, null, "request body: not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private List<Choice> await(java.util.concurrent.CompletableFuture<List<Choice>> f) {
        try {
            return f.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new ApiException(503, null, "no answer within " + config.requestTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, null, "interrupted while waiting for the model");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException a) {
                throw a;
            }
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw new ApiException(400, null, iae.getMessage());
            }
            throw new ApiException(500, null, "generation failed: " + e.getCause());
        }
    }

    /** The reply in the completions schema, or with {@code chat} the chat schema ({@code choices[].message}). */
    private ObjectNode response(long no, List<Choice> choices, int promptTokens, boolean chat) {
        ObjectNode root = Jsonl.mapper().createObjectNode();
        root.put("id", (chat ? "chatcmpl-" : "cmpl-") + no);
        root.put("object", chat ? "chat.completion" : "text_completion");
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", config.modelName());
        ArrayNode arr = root.putArray("choices");
        int completionTokens = 0;
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            completionTokens += c.completionTokens();
            ObjectNode o = arr.addObject();
            o.put("index", i);
            if (chat) {
                o.putObject("message").put("role", "assistant").put("content", c.text());
            } else {
                o.put("text", c.text());
            }
            if (c.logprobs() == null) {
                o.putNull("logprobs");
            } else {
                logprobsJson(o.putObject("logprobs"), c.logprobs());
            }
            o.put("finish_reason", c.finishReason());
        }
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return root;
    }

    private static void logprobsJson(ObjectNode o, Choice.Logprobs lp) {
        ArrayNode tokens = o.putArray("tokens");
        lp.tokens().forEach(tokens::add);
        ArrayNode tlp = o.putArray("token_logprobs");
        lp.tokenLogprobs().forEach(v -> {
            if (v == null) {
                tlp.addNull();
            } else {
                tlp.add(v);
            }
        });
        ArrayNode top = o.putArray("top_logprobs");
        for (Map<String, Double> m : lp.topLogprobs()) {
            if (m == null) {
                top.addNull();
            } else {
                ObjectNode e = top.addObject();
                m.forEach(e::put);
            }
        }
        ArrayNode off = o.putArray("text_offset");
        lp.textOffset().forEach(off::add);
    }

    @Override
    public void close() {
        http.stop(0);
        batcher.close();
        httpThreads.shutdownNow();
    }
}
