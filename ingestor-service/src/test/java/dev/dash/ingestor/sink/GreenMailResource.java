package dev.dash.ingestor.sink;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real SMTP server (GreenMail) on a free port for the e-mail sink tests; the mailer points at it. */
public class GreenMailResource implements QuarkusTestResourceLifecycleManager {
    static volatile GreenMail mail;

    @Override
    public Map<String, String> start() {
        mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        return Map.of(
                "quarkus.mailer.host",
                "127.0.0.1",
                "quarkus.mailer.port",
                String.valueOf(mail.getSmtp().getPort()));
    }

    @Override
    public void stop() {
        if (mail != null) {
            mail.stop();
        }
    }
}
