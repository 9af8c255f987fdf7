// The API reference page: Swagger UI renders the OpenAPI document whose URL the
// page gives in data-schema-url (a file of its own, so the page has no inline script).
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    // "Try it out" sends real calls with the key entered under Authorize.
    persistAuthorization: false,
  });
});
