# TEST DOUBLE of the few nixpkgs `lib` functions our own Clan service modules use (src/shared/nix/modules/), for the
# SSH lab's overlay stand-in (test/lab/overlays.ts, evalService.nix). nixpkgs is not available on the build machines
# (MACHINE-NOTES, "Nix"), so these are small re-implementations with nixpkgs' semantics, written from its
# documentation. A module that uses a function missing here fails with "attribute ... missing": add it here, do not
# work around it in the module.
#
# Options and types are just enough for the stand-in to check settings the way the module system would: an option
# is an attribute set with `_type = "option"`, a type has a name and a `check` function.
let
  b = builtins;

  mkType = name: check: {
    _type = "option-type";
    inherit name check;
  };

  regexSpecials = [
    "\\"
    "["
    "]"
    "("
    ")"
    "{"
    "}"
    "."
    "*"
    "+"
    "?"
    "^"
    "$"
    "|"
  ];
  escapeRegex = b.replaceStrings regexSpecials (map (c: "\\" + c) regexSpecials);

  unique = b.foldl' (acc: x: if b.elem x acc then acc else acc ++ [ x ]) [ ];

  trim =
    s:
    let
      m = b.match "[[:space:]]*([^[:space:]]|[^[:space:]].*[^[:space:]])[[:space:]]*" s;
    in
    if m != null then
      b.head m
    else if b.match "[[:space:]]*" s != null then
      ""
    else
      throw "stubLib.trim: cannot trim a value with a line break inside: ${s}";

  splitString = sep: s: b.filter b.isString (b.split (escapeRegex sep) s);
in
rec {
  mkOption = attrs: attrs // { _type = "option"; };

  types = {
    str = mkType "str" b.isString;
    bool = mkType "bool" b.isBool;
    int = mkType "int" b.isInt;
    port = mkType "port" (v: b.isInt v && v >= 0 && v <= 65535);
    attrs = mkType "attrs" b.isAttrs;
    strMatching = re: mkType "string matching the pattern ${re}" (v: b.isString v && b.match re v != null);
    listOf = t: mkType "list of (${t.name})" (v: b.isList v && b.all t.check v);
    nullOr = t: mkType "null or (${t.name})" (v: v == null || t.check v);
    enum = values: mkType "one of ${b.toJSON values}" (v: b.elem v values);
  };

  inherit unique splitString trim;
  inherit (b)
    attrNames
    attrValues
    concatMap
    concatStringsSep
    elem
    filter
    head
    length
    mapAttrs
    removeAttrs
    replaceStrings
    toJSON
    ;

  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  optionalAttrs = cond: set: if cond then set else { };
  optionalString = cond: s: if cond then s else "";
  nameValuePair = name: value: { inherit name value; };
  mapAttrs' = f: set: b.listToAttrs (map (n: f n set.${n}) (b.attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (b.attrNames set);
  filterAttrs =
    pred: set:
    b.listToAttrs (
      b.concatMap (n: if pred n set.${n} then [ (nameValuePair n set.${n}) ] else [ ]) (b.attrNames set)
    );
  genAttrs = names: f: b.listToAttrs (map (n: nameValuePair n (f n)) names);
  last = list: if list == [ ] then throw "stubLib.last: empty list" else b.elemAt list (b.length list - 1);
  hasInfix = infix: s: b.length (b.split (escapeRegex infix) s) > 1;
  hasPrefix = prefix: s: b.substring 0 (b.stringLength prefix) s == prefix;
  hasSuffix =
    suffix: s:
    let
      n = b.stringLength s;
      k = b.stringLength suffix;
    in
    k <= n && b.substring (n - k) k s == suffix;
  toInt =
    s:
    let
      m = b.match "[[:space:]]*0*([0-9]+)[[:space:]]*" s;
    in
    if m == null then throw "stubLib.toInt: not a non-negative integer: ${s}" else b.fromJSON (b.head m);

  strings = {
    inherit trim splitString hasInfix hasPrefix hasSuffix;
  };
  lists = {
    inherit unique;
  };
}
