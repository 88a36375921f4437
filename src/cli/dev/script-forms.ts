/**
 * The page's forms. The start form is generated from the start event's JSON Schema
 * (`GET /workflows/{name}/schema`): a text input per string, a number input per number, a checkbox
 * per boolean, a select per enum or constant, and a JSON text area for anything else; a schema it
 * cannot read as an object of fields gets one JSON text area for the whole event. The prompt form
 * shows an InputRequiredEvent and answers it with a HumanResponseEvent.
 *
 * Browser code, as a string: no template literals nor backslash escapes inside (they would be this
 * module's).
 */
export const formsScript = `
let readStart = () => ({});

function typeOf(schema) {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (Array.isArray(schema.enum)) return "enum";
  if (schema.const !== undefined) return "const";
  return type;
}

function jsonArea(id, value) {
  const area = el("textarea", { id, spellcheck: "false" });
  if (value !== undefined) area.value = JSON.stringify(value, null, 2);
  return { control: area, read: () => (area.value.trim() === "" ? undefined : JSON.parse(area.value)) };
}

/** One field's control and how to read it (undefined: leave the field out of the event). */
function control(id, schema, required) {
  const type = typeOf(schema);
  if (type === "enum" || type === "const") {
    const values = type === "enum" ? schema.enum : [schema.const];
    const select = el("select", { id });
    select.required = required;
    if (!required) select.append(el("option", { value: "" }, ""));
    values.forEach((v, i) => select.append(el("option", { value: String(i) }, typeof v === "string" ? v : JSON.stringify(v))));
    if (schema.default !== undefined && values.includes(schema.default)) select.value = String(values.indexOf(schema.default));
    return { control: select, read: () => (select.value === "" ? undefined : values[Number(select.value)]) };
  }
  if (type === "boolean") {
    const box = el("input", { id, type: "checkbox" });
    box.checked = schema.default === true;
    return { control: box, read: () => box.checked };
  }
  if (type === "number" || type === "integer") {
    const input = el("input", { id, type: "number", step: type === "integer" ? "1" : "any" });
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
    if (schema.default !== undefined) input.value = String(schema.default);
    input.required = required;
    return { control: input, read: () => (input.value === "" ? undefined : Number(input.value)) };
  }
  if (type === "string") {
    const input = el("input", { id, type: "text", autocomplete: "off" });
    if (schema.minLength !== undefined) input.minLength = schema.minLength;
    if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
    if (schema.default !== undefined) input.value = String(schema.default);
    input.required = required && schema.minLength !== 0;
    return { control: input, read: () => (input.value === "" && !required ? undefined : input.value) };
  }
  return jsonArea(id, schema.default);
}

/** Builds the start form for a start event's JSON Schema. */
function buildStartForm(schema) {
  const box = document.getElementById("start-fields");
  box.replaceChildren();
  const properties = schema && schema.type === "object" ? schema.properties || {} : undefined;
  if (!properties) {
    const whole = jsonArea("start-json", {});
    box.append(el("label", { for: "start-json" }, "start event (JSON)"), whole.control);
    readStart = () => whole.read() || {};
    return;
  }
  const required = new Set(schema.required || []);
  const readers = [];
  for (const [name, field] of Object.entries(properties)) {
    const id = "field-" + name;
    const { control: input, read } = control(id, field, required.has(name));
    input.name = name;
    const label = el("label", { for: id }, name + (required.has(name) ? " *" : ""));
    if (field.description) label.title = field.description;
    box.append(label, input);
    readers.push([name, read]);
  }
  if (readers.length === 0) box.append(el("p", { class: "about" }, "The start event has no fields."));
  readStart = () => {
    const values = {};
    for (const [name, read] of readers) {
      const value = read();
      if (value !== undefined) values[name] = value;
    }
    return values;
  };
}

/** Shows an InputRequiredEvent in the prompt form. */
function showPrompt(value) {
  document.getElementById("prompt-text").textContent = value.prefix || "Input required";
  const payload = value.payload === undefined ? "" : JSON.stringify(value.payload, null, 2);
  document.getElementById("prompt-payload").textContent = payload;
  const response = document.getElementById("prompt-response");
  response.value = "";
  document.getElementById("prompt-form").hidden = false;
  response.focus();
}

function hidePrompt() {
  document.getElementById("prompt-form").hidden = true;
}
`;
