"""premade_estimator.py's DNNClassifier on TensorFlow 2: dense relu layers [10, 10], Glorot-uniform
kernels and zero biases (the estimator's defaults), softmax cross-entropy averaged over the batch,
tf.compat.v1's AdagradOptimizer (initial accumulator 0.1) as the estimator uses it, batches of 100
from a shuffled, repeated training set. mlcheck reads the CSVs and sends the rows. Verified only
on paper (README)."""
import numpy as np

from ..common import check_finite, relative_change, shuffled_repeat_batches


def run(ctx):
    tf = ctx.framework.module
    device = ctx.framework.handle
    steps = ctx.integer('trainSteps')
    batch = ctx.integer('batch')
    learning_rate = ctx.number('learningRate')
    initial_accumulator = ctx.number('initialAccumulator')
    hidden = [ctx.integer('hidden1'), ctx.integer('hidden2')]
    train, test = ctx.inputs['train'], ctx.inputs['test']
    features, classes = train['featureCount'], train['classes']
    train_x = np.asarray(train['features'], dtype=np.float32).reshape(-1, features)
    train_y = np.asarray(train['labels'], dtype=np.int64)
    test_x = np.asarray(test['features'], dtype=np.float32).reshape(-1, features)
    test_y = np.asarray(test['labels'], dtype=np.int64)
    tf.random.set_seed(ctx.seed)

    with tf.device(device):
        sizes = [features] + hidden + [classes]
        names = ['hiddenlayer_%d' % i for i in range(len(sizes) - 2)] + ['logits']
        glorot = tf.keras.initializers.GlorotUniform(seed=ctx.seed)
        layers = [(tf.Variable(glorot([fan_in, fan_out])), tf.Variable(tf.zeros([fan_out]))) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
        variables = {}
        for name, (kernel, bias) in zip(names, layers):
            variables[name + '/kernel'] = kernel
            variables[name + '/bias'] = bias
        trainable = list(variables.values())
        start = {name: v.numpy().copy() for name, v in variables.items()}
        optimizer = tf.compat.v1.train.AdagradOptimizer(learning_rate, initial_accumulator_value=initial_accumulator)

        def logits(x):
            for kernel, bias in layers[:-1]:
                x = tf.nn.relu(tf.matmul(x, kernel) + bias)
            kernel, bias = layers[-1]
            return tf.matmul(x, kernel) + bias

        def mean_loss(x, y):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits(x)))

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = mean_loss(x, y)
            optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
            return loss

        last_loss = float('nan')
        for step, picked in enumerate(shuffled_repeat_batches(ctx.seed, train_x.shape[0], batch, steps)):
            loss = train_step(tf.constant(train_x[picked]), tf.constant(train_y[picked]))
            if (step + 1) % 100 == 0 or step == steps - 1:
                last_loss = check_finite(float(loss.numpy()), 'iris', step + 1)
                ctx.progress('train', 'step %d/%d loss %.4f' % (step + 1, steps, last_loss), step=step + 1, totalSteps=steps, loss=last_loss)

        change = {name: relative_change(start[name], v.numpy()) for name, v in variables.items()}
        ctx.progress('eval', 'evaluating on %d test rows' % test_x.shape[0])
        predicted = tf.argmax(logits(tf.constant(test_x)), axis=1).numpy()
        correct = int((predicted == test_y).sum())
        train_loss = float(mean_loss(tf.constant(train_x), tf.constant(train_y)).numpy())
        test_loss = float(mean_loss(tf.constant(test_x), tf.constant(test_y)).numpy())
        examples = tf.constant(np.asarray(ctx.inputs['predict'], dtype=np.float32))
        probabilities = tf.nn.softmax(logits(examples)).numpy().tolist()
    return dict(testCorrect=correct, testCount=int(test_x.shape[0]), trainLoss=train_loss, testLoss=test_loss, lastLoss=last_loss, probabilities=probabilities, variableChange=change)
