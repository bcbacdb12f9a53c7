package org.rlaif4j.serve;

/**
 * A request the server answers with an HTTP error and an OpenAI-style body
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String param;

    public ApiException(int status, String param, String message) {
        super(message);
        this.status = status;
        this.param = param;
    }

    /** 400 naming the offending field. */
    public static ApiException badField(String field, String message) {
        return new ApiException(400, field, field + ": " + message);
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** OpenAI's error type for the status. */
    public String type() {
        return switch (status) {
            case 400, 404, 405, 413 -> "invalid_request_error";
            case 429, 503 -> "server_overloaded";
            default -> "server_error";
        };
    }
}
