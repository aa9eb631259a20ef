"""pytorch/examples vae/main.py as mlcheck runs it (docs/design.md §2): 784-400-(20,20)-400-784,
BCE (sum) + KLD, Adam 1e-3, batches of 128 reshuffled every epoch, test loss per epoch. The
reconstruction and sample images go to out_dir as raw float32 for mlcheck to write as PNG."""
import os

import numpy as np

from ..common import check_finite, load_mnist, relative_change, StepTimer, vae_schedule
from . import synchronize

RECONSTRUCTIONS = 8
SAMPLES = 64


def run(ctx):
    torch = ctx.framework.module
    nn = torch.nn
    F = torch.nn.functional
    device = ctx.framework.handle
    batch = ctx.integer('batch')
    learning_rate = ctx.number('learningRate')
    hidden = ctx.integer('hidden')
    latent = ctx.integer('latent')
    write_images = bool(ctx.params.get('images'))

    ctx.progress('load', 'reading MNIST')
    (train_x, _), (test_x, _) = load_mnist(ctx.data['mnist'])
    count = train_x.shape[0]
    _, total_steps, epochs_to_run, test_size = vae_schedule(ctx, count, test_x.shape[0], batch)

    torch.manual_seed(ctx.seed)
    images = torch.from_numpy(train_x.reshape(-1, 784).astype(np.float32) / 255).to(device)
    test_images = torch.from_numpy(test_x[:test_size].reshape(-1, 784).astype(np.float32) / 255).to(device)
    layers = dict(fc1=nn.Linear(784, hidden), fc21=nn.Linear(hidden, latent), fc22=nn.Linear(hidden, latent), fc3=nn.Linear(latent, hidden), fc4=nn.Linear(hidden, 784))
    for layer in layers.values():
        layer.to(device)
    fc1, fc21, fc22, fc3, fc4 = (layers[k] for k in ('fc1', 'fc21', 'fc22', 'fc3', 'fc4'))
    variables = {'%s.%s' % (name, kind): getattr(layer, kind) for name, layer in layers.items() for kind in ('weight', 'bias')}
    start = {name: v.detach().cpu().numpy().copy() for name, v in variables.items()}

    def decode(z):
        return fc4(F.relu(fc3(z)))  # logits; the image is their sigmoid

    def loss_of(x):
        h = F.relu(fc1(x))
        mu, logvar = fc21(h), fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = decode(z)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
        return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()), logits

    optimizer = torch.optim.Adam(list(variables.values()), lr=learning_rate, betas=(0.9, 0.999), eps=1e-8)
    timer = StepTimer()
    history = []
    artifacts = []
    step = 0
    for epoch in range(1, epochs_to_run + 1):
        order = torch.randperm(count, device=device)
        loss_sum, seen, epoch_steps = 0.0, 0, 0
        for first in range(0, count, batch):
            if step >= total_steps:
                break
            timer.start()
            x = images[order[first:first + batch]]
            loss, _ = loss_of(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = loss.item()
            timer.stop()
            check_finite(value, 'vae', step)
            size = x.shape[0]
            loss_sum += value
            seen += size
            step += 1
            epoch_steps += 1
            if step % 100 == 0 or step == total_steps:
                ctx.progress('train', 'epoch %d [%d/%d] loss %.4f' % (epoch, first + size, count, value / size), step=step, totalSteps=total_steps, epoch=epoch, loss=value / size)
        train_loss = loss_sum / seen
        ctx.progress('eval', 'epoch %d: test loss on %d images' % (epoch, test_size), epoch=epoch)
        with torch.no_grad():
            test_loss = sum(loss_of(test_images[i:i + batch])[0].item() for i in range(0, test_size, batch)) / test_size
            history.append(dict(epoch=epoch, steps=epoch_steps, train_loss=round(train_loss, 4), test_loss=round(test_loss, 4)))
            if write_images:
                artifacts.extend(_epoch_images(torch, loss_of, decode, test_images, epoch, latent, device, ctx.out_dir))

    synchronize(torch, device)
    change = {name: relative_change(start[name], v.detach().cpu().numpy()) for name, v in variables.items()}
    return dict(stepMs=timer.ms, steps=step, testSize=test_size, epochs=history, images=artifacts, variableChange=change)


def _epoch_images(torch, loss_of, decode, test_images, epoch, latent, device, out_dir):
    """8 test inputs over their reconstructions, and 64 decoded N(0, 1) codes, as raw float32 grids."""
    n = min(RECONSTRUCTIONS, test_images.shape[0])
    inputs = test_images[:n]
    _, logits = loss_of(inputs)
    comparison = torch.cat([inputs, torch.sigmoid(logits)]).cpu().numpy().astype('<f4')
    samples = torch.sigmoid(decode(torch.randn(SAMPLES, latent, device=device))).cpu().numpy().astype('<f4')
    written = []
    for name, grid, count, columns in (('reconstruction_%d' % epoch, comparison, 2 * n, n), ('sample_%d' % epoch, samples, SAMPLES, 8)):
        path = os.path.join(out_dir, name + '.f32')
        grid.tofile(path)
        written.append(dict(name=name, file=path, count=count, columns=columns))
    return written
