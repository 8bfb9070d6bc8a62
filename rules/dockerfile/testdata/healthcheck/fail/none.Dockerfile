FROM nginx:1.27
