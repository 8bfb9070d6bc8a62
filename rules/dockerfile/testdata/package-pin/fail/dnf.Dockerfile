FROM fedora:40
RUN dnf install -y python3-pip && dnf clean all
