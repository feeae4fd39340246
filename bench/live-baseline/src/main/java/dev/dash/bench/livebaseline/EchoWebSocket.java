package dev.dash.bench.livebaseline;

import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;

/** Echoes every text message: the least a WebSockets Next endpoint can do per connection and message. */
@WebSocket(path = "/echo")
public class EchoWebSocket {
    @OnTextMessage
    String echo(String message) {
        return message;
    }
}
