FROM amazonlinux:2023
RUN yum install -y httpd && yum clean all
