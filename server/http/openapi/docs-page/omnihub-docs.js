// The API docs page: Swagger UI on the hub's own document (a file, not an inline script: the app's CSP
// allows scripts from the hub only).
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
  });
});
