# TEST DOUBLE (stand-in) of clan-core's evaluation of one of OUR Clan service modules, for the SSH lab's overlay
# stand-in (test/lab/overlays.ts). clan-core and nixpkgs cannot be evaluated on the build machines (Debian's Nix 2.8,
# no <nixpkgs>; MACHINE-NOTES "Nix"), so this file does, in plain Nix, the part of clan's inventory evaluation that
# decides what a machine's VPN daemon gets:
#
#   - reads the generated inventory.json and clan.nix from the generated flake (clan.nix is imported, so the module
#     path is the one the generated clan.nix registers under modules.<name>);
#   - resolves the instance's roles to machines (machines and tags; `all` and `nixos` as clan computes them);
#   - checks every machine's settings against the role's interface options as the module system would: unknown
#     settings, wrong types and role/machine conflicts throw; defaults are applied; an option without a default that
#     is not set throws when the module reads it (clan's "used but not defined");
#   - calls the role's perInstance with the arguments clan passes (instanceName, settings, roles, machine) and the
#     returned nixosModule with a stub config (the vars the lab made), stub pkgs and stubLib.nix;
#   - checks the module's assertions.
#
# Nothing is fixed up: a missing role, setting, peer or key makes evaluation throw or leaves it out, as it would on a
# real machine. The request is a JSON file written by overlays.ts:
#   { flakeDir, instance, phase: "generators" | "system", machines: [names],
#     vars: { <machine>: { <generator>: { files: { <file>: { value, path } } } } },
#     publicVars: { <machine>: { <generator>: { <file>: value } } } }
{ request }:
let
  b = builtins;
  lib = import ./stubLib.nix;
  req = b.fromJSON (b.readFile request);
  flake = req.flakeDir;

  inventory = b.fromJSON (b.readFile (flake + "/inventory.json"));
  clanFile = import (flake + "/clan.nix");
  clanConfig = if b.isFunction clanFile then clanFile { } else clanFile;

  instance =
    inventory.instances.${req.instance}
      or (throw "inventory.json has no instance \"${req.instance}\"");
  moduleName = instance.module.name or req.instance;
  moduleInput = instance.module.input or null;
  modulePath =
    if moduleInput != "self" then
      throw "instance ${req.instance} uses module \"${moduleName}\" from input ${b.toJSON moduleInput}; this stand-in evaluates only the flake's own modules (input \"self\")"
    else
      (clanConfig.modules or { }).${moduleName}
        or (throw "clan.nix registers no module \"${moduleName}\", which inventory.json instance ${req.instance} uses");

  # clan-core's vars library, answered from the vars the lab made (a missing value throws, as clan's does).
  getPublicValue =
    {
      machine,
      generator,
      file,
      default ? null,
      ...
    }:
    let
      value = ((req.publicVars.${machine} or { }).${generator} or { }).${file} or null;
    in
    if value != null then
      value
    else if default != null then
      default
    else
      throw "clan vars: machine ${machine} has no public value ${generator}/${file} (run clan vars generate)";
  clanLib = {
    vars.getPublicValue = getPublicValue;
    inherit getPublicValue;
  };

  serviceFile = import modulePath;
  service =
    if b.isFunction serviceFile then
      serviceFile {
        inherit lib clanLib;
        directory = flake;
        # The service's own config: only its exports read it, and the stand-in does not evaluate exports.
        config = {
          instances = { };
          manifest.name = "stand-in";
        };
      }
    else
      serviceFile;

  invMachines = inventory.machines or { };
  allNames = b.attrNames invMachines;
  tagged =
    tag:
    if tag == "all" then
      allNames
    else if tag == "nixos" then
      b.filter (m: (invMachines.${m}.machineClass or "nixos") == "nixos") allNames
    else
      b.filter (m: b.elem tag (invMachines.${m}.tags or [ ])) allNames;

  instanceRoles = instance.roles or { };
  roleMembers =
    roleName:
    let
      role = instanceRoles.${roleName};
      tags = role.tags or [ ];
      tagList = if b.isList tags then tags else b.attrNames tags;
      tagSettings = if b.isList tags then [ ] else b.filter (t: (tags.${t}.settings or { }) != { }) tagList;
      names = lib.unique (b.attrNames (role.machines or { }) ++ b.concatMap tagged tagList);
      missing = b.filter (m: !(invMachines ? ${m})) names;
    in
    if !(service.roles or { } ? ${roleName}) then
      throw "instance ${req.instance}: role \"${roleName}\" does not exist in module ${moduleName} (unmatched roles)"
    else if tagSettings != [ ] then
      throw "instance ${req.instance}: settings per tag are not supported by this stand-in"
    else if missing != [ ] then
      throw "instance ${req.instance}: role ${roleName} names machines that inventory.json does not have: ${b.toJSON missing}"
    else
      names;

  interfaceOptions =
    roleName:
    let
      iface = service.roles.${roleName}.interface or { };
      evaluated = if b.isFunction iface then iface { inherit lib; } else iface;
    in
    if (evaluated.imports or [ ]) != [ ] then
      throw "role ${roleName}: interface imports are not supported by this stand-in"
    else
      evaluated.options or { };

  # A machine's settings for a role, as clan's module system makes them (role settings, then machine settings).
  resolveSettings =
    roleName: machineName:
    let
      opts = interfaceOptions roleName;
      role = instanceRoles.${roleName};
      roleSettings = role.settings or { };
      machineSettings = ((role.machines or { }).${machineName} or { }).settings or { };
      merged = roleSettings // machineSettings;
      unknown = b.filter (n: !(opts ? ${n})) (b.attrNames merged);
      conflicts = b.filter (n: roleSettings ? ${n} && roleSettings.${n} != machineSettings.${n}) (
        b.attrNames machineSettings
      );
      where = "instance ${req.instance}, role ${roleName}, machine ${machineName}";
      checked =
        n:
        if opts.${n}.type.check merged.${n} then
          merged.${n}
        else
          throw "${where}: setting ${n} = ${b.toJSON merged.${n}} is not a ${opts.${n}.type.name}";
      value =
        n:
        if merged ? ${n} then
          checked n
        else if opts.${n} ? default then
          opts.${n}.default
        else
          throw "${where}: the option `${n}' is used but not defined";
    in
    if unknown != [ ] then
      throw "${where}: the settings ${b.toJSON unknown} do not exist in module ${moduleName}"
    else if conflicts != [ ] then
      throw "${where}: the settings ${b.toJSON conflicts} are defined differently for the role and the machine"
    else
      b.mapAttrs (n: _: value n) opts;

  roleNames = b.attrNames instanceRoles;
  membersOf = lib.genAttrs roleNames roleMembers;
  rolesArg = b.mapAttrs (roleName: role: {
    machines = lib.genAttrs membersOf.${roleName} (m: {
      settings = resolveSettings roleName m;
    });
    settings = role.settings or { };
  }) instanceRoles;
  machineRoles = m: b.filter (r: b.elem m membersOf.${r}) roleNames;

  # pkgs: derivations are names only; writeText keeps its text, marked so overlays.ts writes it to a file.
  pkg = name: "@stand-in-package:${name}@";
  pkgs = {
    writeText = name: text: "@stand-in-writeText:${name}@\n" + text;
    nebula = pkg "nebula";
    jq = pkg "jq";
    tinc_pre = pkg "tinc_pre";
    coreutils = pkg "coreutils";
    gnused = pkg "gnused";
  };

  machineConfig = m: {
    clan.core.vars.generators = req.vars.${m} or { };
    clan.core.settings.directory = flake;
    networking.hostName = m;
  };

  modulesOf =
    m:
    map (
      r:
      let
        result = (service.roles.${r}.perInstance or (_: { })) {
          instanceName = req.instance;
          settings = resolveSettings r m;
          roles = rolesArg;
          machine = {
            name = m;
            roles = machineRoles m;
          };
          mkExports = x: x;
          exports = { };
        };
        nixosModule = result.nixosModule or { };
      in
      if b.isFunction nixosModule then
        nixosModule {
          config = machineConfig m;
          inherit pkgs lib;
          options = { };
        }
      else
        nixosModule
    ) (machineRoles m);

  generatorsOf =
    mods:
    b.foldl' (a: x: a // x) { } (
      map (
        mod:
        b.mapAttrs (_: g: {
          share = g.share or false;
          dependencies = g.dependencies or [ ];
          validation = g.validation or null;
          files = b.mapAttrs (_: f: {
            secret = f.secret or true;
            deploy = f.deploy or true;
          }) (g.files or { });
        }) (mod.clan.core.vars.generators or { })
      ) mods
    );

  # Settings for the report; a setting that is not defined shows as null instead of stopping the evaluation.
  settingsReport =
    m:
    lib.genAttrs (machineRoles m) (
      r:
      b.mapAttrs (
        _: v:
        let
          tried = b.tryEval (b.deepSeq v v);
        in
        if tried.success then tried.value else null
      ) (resolveSettings r m)
    );

  perMachine =
    m:
    let
      mods = modulesOf m;
    in
    if req.phase == "generators" then
      {
        roles = machineRoles m;
        settings = settingsReport m;
        generators = generatorsOf mods;
      }
    else
      {
        roles = machineRoles m;
        failedAssertions = map (a: a.message) (
          b.filter (a: !a.assertion) (b.concatMap (mod: mod.assertions or [ ]) mods)
        );
        # The NixOS options the daemon is built from; anything else a module sets is listed by name.
        modules = map (mod: {
          services = mod.services or { };
          networking = mod.networking or { };
          boot = mod.boot or { };
          otherOptions = b.attrNames (
            b.removeAttrs mod [
              "services"
              "networking"
              "boot"
              "assertions"
              "clan"
            ]
          );
        }) mods;
      };
in
if (service._class or null) != "clan.service" then
  throw "module ${moduleName} is not a clan.service"
else if service ? perMachine then
  throw "module ${moduleName} has perMachine, which this stand-in does not evaluate"
else
  lib.genAttrs req.machines perMachine
