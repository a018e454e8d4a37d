/* Address step: refresh the district and subdistrict lists as choices are made, and narrow the
   subdistricts by postal code. The page works without this file ("Show the choices" button). */
(function () {
  "use strict";
  var script = document.currentScript;
  var urls = {
    districts: script.dataset.districts,
    subdistricts: script.dataset.subdistricts,
    postal: script.dataset.postal
  };
  var province = document.getElementById("id_province");
  var district = document.getElementById("id_district_code");
  var subdistrict = document.getElementById("id_subdistrict_code");
  var postal = document.getElementById("id_postal_code");
  if (!province || !district || !subdistrict) { return; }
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });

  function fill(select, results) {
    var keep = select.value;
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name;
      select.appendChild(option);
    });
    if (results.some(function (r) { return r.code === keep; })) { select.value = keep; }
    else if (results.length === 1) { select.value = results[0].code; }
  }

  function get(url, params) {
    return fetch(url + "?" + new URLSearchParams(params), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { return data.results; });
  }

  // Only the newest answer may refill a list: an older one arriving late (slow network) must
  // not wipe a choice the person has made since.
  var latest = { district: 0, subdistrict: 0 };
  function newest(kind) {
    var ticket = ++latest[kind];
    return function () { return ticket === latest[kind]; };
  }

  function loadSubdistricts() {
    var current = newest("subdistrict");
    return get(urls.subdistricts, {
      province: province.value, district: district.value, postal_code: postal ? postal.value.trim() : ""
    }).then(function (results) { if (current()) { fill(subdistrict, results); } });
  }

  function loadDistricts() {
    var current = newest("district");
    return get(urls.districts, { province: province.value }).then(function (results) {
      if (current()) { fill(district, results); }
      return current();
    });
  }

  province.addEventListener("change", function () {
    district.value = "";
    loadDistricts().then(function (fresh) { if (fresh) { return loadSubdistricts(); } });
  });
  district.addEventListener("change", loadSubdistricts);
  if (postal) {
    postal.addEventListener("input", function () {
      var code = postal.value.trim();
      if (!/^\d{5}$/.test(code)) { return; }
      get(urls.postal, { code: code }).then(function (found) {
        if (!found.length) { return; }
        var provinces = new Set(found.map(function (s) { return s.province_code; }));
        var districts = new Set(found.map(function (s) { return s.district_code; }));
        var chain = Promise.resolve();
        if (provinces.size === 1 && province.value !== found[0].province_code) {
          province.value = found[0].province_code;
          chain = loadDistricts();
        }
        chain.then(function () {
          if (districts.size === 1) { district.value = found[0].district_code; }
          return loadSubdistricts();
        });
      });
    });
  }
})();
