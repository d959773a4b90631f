#!/usr/bin/env bash
export GITHUB_TOKEN=ghp_vACvFyczbgq7DH43JoGw7cxQLIVo04cuwxHp
gh release create v1.0
