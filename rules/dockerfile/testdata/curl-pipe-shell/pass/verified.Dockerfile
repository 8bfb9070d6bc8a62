FROM debian:bookworm-slim
RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \
 && echo "abc  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh \
 && curl -fsSL https://example.com/a.tar.gz | tar -xz -C /opt \
 && curl -fsSL https://example.com/x | bash /tmp/script.sh
